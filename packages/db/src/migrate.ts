import { createDataSource, type DatabaseOptions } from './data-source';

/** Any constant works as long as nothing else in the database uses it for pg_advisory_lock. */
export const MIGRATION_LOCK_KEY = 7_316_001;

export interface MigrateResult {
  applied: string[];
}

/**
 * Applies pending migrations while holding a session-level advisory lock on a dedicated
 * connection: when several migrators start at once (replicas, a deploy and a developer), one
 * applies each migration and the others wait, then find nothing left to do.
 */
export async function migrate(
  options: DatabaseOptions,
  log: (message: string) => void = () => {},
): Promise<MigrateResult> {
  // No statement timeout: waiting for the lock, or building an index on a large table, may take
  // longer than any request should.
  const dataSource = createDataSource({
    poolSize: 2,
    applicationName: 'migrate',
    ...options,
    statementTimeoutMs: 0,
  });
  await dataSource.initialize();
  const lockRunner = dataSource.createQueryRunner();
  try {
    await lockRunner.connect();
    log('waiting for the migration lock');
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      const names = applied.map((migration) => migration.name);
      log(names.length ? `applied ${names.join(', ')}` : 'database already up to date');
      return { applied: names };
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockRunner.release();
    await dataSource.destroy();
  }
}

/**
 * The SQL a generated migration would contain: empty when the entities and the migrations agree.
 * Run it on a database the migrations were applied to.
 */
export async function pendingSchemaChanges(options: DatabaseOptions): Promise<string[]> {
  const dataSource = createDataSource({ poolSize: 1, applicationName: 'schema-diff', ...options });
  await dataSource.initialize();
  try {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return sql.upQueries.map((query) => query.query);
  } finally {
    await dataSource.destroy();
  }
}
