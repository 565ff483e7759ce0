import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { User } from './user.entity';

/** `failed`: its job failed for good; `failure_reason` says why. */
export const ITEM_STATUSES = ['pending', 'done', 'failed'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const ITEM_TITLE_MAX_LENGTH = 200;
export const ITEM_DESCRIPTION_MAX_LENGTH = 10_000;

@Entity({ name: 'items' })
@Index('items_owner_id_created_at_idx', ['ownerId', 'createdAt'])
// The pending-items sweep reads the oldest pending items; done ones, the vast majority, are left out.
@Index('items_pending_created_at_idx', ['createdAt'], { where: `"status" = 'pending'` })
export class Item {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'items_owner_id_fkey' })
  owner?: Relation<User>;

  @Column({ type: 'varchar', length: ITEM_TITLE_MAX_LENGTH })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: ItemStatus;

  @Column({ name: 'word_count', type: 'integer', nullable: true })
  wordCount!: number | null;

  @Column({ type: 'char', length: 64, nullable: true })
  checksum!: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ name: 'job_id', type: 'varchar', length: 100, nullable: true })
  jobId!: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A row of `items` as PostgreSQL returns it (its ITEM_ROW_COLUMNS). */
export interface ItemRow {
  id: string;
  owner_id: string;
  title: string;
  description: string | null;
  status: ItemStatus;
  word_count: number | null;
  checksum: string | null;
  processed_at: Date | null;
  job_id: string | null;
  failure_reason: string | null;
  created_at: Date;
}

/** The columns of an ItemRow, for statements that read whole items (listed: see PreparedStatement). */
export const ITEM_ROW_COLUMNS =
  'id, owner_id, title, description, status, word_count, checksum, processed_at, job_id, ' +
  'failure_reason, created_at';

/** For hot paths that read items with plain SQL instead of TypeORM's query building. */
export function itemFromRow(row: ItemRow): Item {
  return Object.assign(new Item(), {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    description: row.description,
    status: row.status,
    wordCount: row.word_count,
    checksum: row.checksum,
    processedAt: row.processed_at,
    jobId: row.job_id,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
  });
}
