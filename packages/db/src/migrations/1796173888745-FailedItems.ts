import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FailedItems1796173888745 implements MigrationInterface {
  name = 'FailedItems1796173888745';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "items" ADD "failure_reason" text`);
    await queryRunner.query(
      `CREATE INDEX "items_pending_created_at_idx" ON "items"  ("created_at") WHERE "status" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."items_pending_created_at_idx"`);
    await queryRunner.query(`ALTER TABLE "items" DROP COLUMN "failure_reason"`);
  }
}
