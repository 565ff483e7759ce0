import 'reflect-metadata';
import { databaseEnvSchema, type DatabaseEnv } from '@starter/config';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** Opening a connection that takes longer fails the query waiting for it. */
  connectTimeoutMs?: number;
  /** PostgreSQL cancels a statement running longer; 0 disables. */
  statementTimeoutMs?: number;
  /** PostgreSQL ends a session idle inside a transaction this long; 0 disables. */
  idleInTransactionTimeoutMs?: number;
}

// The defaults live in the env schema; these are the settings of an empty environment.
const DEFAULTS = databaseEnvSchema
  .pick({
    DATABASE_CONNECT_TIMEOUT_MS: true,
    DATABASE_STATEMENT_TIMEOUT_MS: true,
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: true,
  })
  .parse({});

/**
 * A statement timeout fires on the server; a server or network that stopped answering never sends
 * it, so the client gives up on its own this much later.
 */
const CLIENT_QUERY_TIMEOUT_MARGIN_MS = 5_000;

/** The one description of the database: entities and migrations listed by class, never globbed. */
export function dataSourceOptions({
  url,
  poolSize = 10,
  applicationName = 'starter',
  connectTimeoutMs = DEFAULTS.DATABASE_CONNECT_TIMEOUT_MS,
  statementTimeoutMs = DEFAULTS.DATABASE_STATEMENT_TIMEOUT_MS,
  idleInTransactionTimeoutMs = DEFAULTS.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
}: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    // gen_random_uuid() is built into PostgreSQL 13+, so migrations need no extension.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Failed queries surface as thrown errors, logged by the caller in its own (JSON) format.
    logging: false,
    applicationName,
    poolSize,
    // Without these a stuck database holds requests and jobs (and a job's queue lock) forever.
    connectTimeoutMS: connectTimeoutMs,
    extra: {
      max: poolSize,
      statement_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: idleInTransactionTimeoutMs,
      ...(statementTimeoutMs > 0
        ? { query_timeout: statementTimeoutMs + CLIENT_QUERY_TIMEOUT_MARGIN_MS }
        : {}),
    },
  };
}

/** The pool settings a process reads from its environment (DATABASE_*). */
export function databaseOptionsFromEnv(env: DatabaseEnv, applicationName: string): DatabaseOptions {
  return {
    url: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    applicationName,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource(dataSourceOptions(options));
}
