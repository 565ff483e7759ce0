import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A statement of a hot path, run by name: PostgreSQL parses and plans it once per connection
 * instead of on every call. Its columns are listed, never `*`, so that a migration adding a column
 * does not invalidate the prepared plans of running processes ("cached plan must not change
 * result type").
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

export interface PreparedResult<Row> {
  rows: Row[];
  /** Rows the statement returned, inserted, updated or deleted. */
  rowCount: number;
}

/**
 * Runs a prepared statement on the data source's own pool (same connections, timeouts and
 * application name), without TypeORM's query runner, which costs a pool checkout, its own
 * bookkeeping and a release on every call.
 */
export async function runPrepared<Row>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<PreparedResult<Row>> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const { rows, rowCount } = await pool.query({ ...statement, values });
  return { rows: rows as Row[], rowCount: rowCount ?? 0 };
}
