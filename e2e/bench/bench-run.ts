import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workerEnvSchema } from '@starter/config';
import { createItemsQueue, createRedisConnection } from '@starter/queue';
import {
  createTestDatabase,
  dropTestDatabase,
  freePort,
  startTestServices,
} from '@starter/testing';
import { Pool } from 'pg';
import { $ } from 'zx';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import {
  benchTargets,
  evaluateTarget,
  formatTable,
  summarizeTiming,
  summarizeWorkload,
  type RunFigures,
  type WorkloadLine,
} from './bench-results';
import {
  killAll,
  runTsModule,
  startService,
  stopService,
  tsModuleArgs,
  waitUntilReady,
} from './bench-processes';
import { awaitDrain, queueDrainBatch } from './drain';
import type { LoadSpec } from './load-runner';

interface Plan {
  runs: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  drainJobs: number;
}

const FULL: Plan = { runs: 3, seconds: 10, warmupSeconds: 2, connections: 50, drainJobs: 10_000 };
const QUICK: Plan = { runs: 1, seconds: 3, warmupSeconds: 1, connections: 50, drainJobs: 2_000 };

const DESCRIPTION = 'lorem ipsum dolor sit amet consectetur '.repeat(6).slice(0, 200);
const READ_ITEMS = 100;
const DRAIN_TIMEOUT_MS = 120_000;

const progress = (message: string) => process.stderr.write(`${message}\n`);
const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function api<T>(base: string, route: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${route}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${route}: ${response.status} ${body}`);
  return JSON.parse(body) as T;
}

async function loggedInUser(base: string, label: string): Promise<string> {
  const credentials = {
    email: `${label}-${randomBytes(4).toString('hex')}@bench.invalid`,
    password: randomBytes(12).toString('hex'),
  };
  const post = (route: string) =>
    api<{ access_token?: string }>(base, route, {
      method: 'POST',
      body: JSON.stringify(credentials),
    });
  await post('/auth/register');
  return (await post('/auth/login')).access_token!;
}

async function load(spec: Omit<LoadSpec, 'connections' | 'seconds' | 'warmupSeconds'>, plan: Plan) {
  const full: LoadSpec = {
    ...spec,
    connections: plan.connections,
    seconds: plan.seconds,
    warmupSeconds: plan.warmupSeconds,
  };
  return JSON.parse(await runTsModule('load-runner.ts', [JSON.stringify(full)])) as RunFigures;
}

export async function runBench({
  quick,
  cachedBuildMs,
}: {
  quick: boolean;
  cachedBuildMs: number;
}): Promise<void> {
  const plan = quick ? QUICK : FULL;
  $.cwd = REPO_ROOT;
  $.quiet = true;

  progress('starting postgres and redis');
  const services = await startTestServices();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  let databaseUrl: string | undefined;
  let pool: Pool | undefined;
  const prefixes: string[] = [];
  // Without Ryuk nothing else would remove the containers of an interrupted run.
  process.once('SIGINT', () => {
    progress('interrupted: stopping services');
    killAll();
    void services.stop().finally(() => process.exit(130));
  });
  try {
    databaseUrl = await createTestDatabase(services.databaseUrl, { template: null });
    await $({
      env: { ...process.env, DATABASE_URL: databaseUrl },
    })`node packages/db/dist/cli/migrate.js`;
    pool = new Pool({ connectionString: databaseUrl, max: 2 });
    const samples = await measure(plan, {
      databaseUrl,
      redisUrl: services.redisUrl,
      pool,
      logDir,
      prefixes,
    });
    report(samples, cachedBuildMs);
  } catch (error) {
    progress(`service logs kept in ${logDir}`);
    throw error;
  } finally {
    killAll();
    await pool?.end();
    await cleanRedis(services.redisUrl, prefixes);
    if (databaseUrl) await dropTestDatabase(databaseUrl);
    await services.stop();
  }
  rmSync(logDir, { recursive: true, force: true });
}

interface Context {
  databaseUrl: string;
  redisUrl: string;
  pool: Pool;
  logDir: string;
  /** Redis key prefixes used, removed at the end (the servers may be the caller's own). */
  prefixes: string[];
}

interface Samples {
  workloads: Map<string, RunFigures[]>;
  timings: Map<string, number[]>;
}

function add<T>(map: Map<string, T[]>, key: string, value: T): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

async function measure(plan: Plan, context: Context): Promise<Samples> {
  const { databaseUrl, redisUrl, pool, logDir, prefixes } = context;
  const samples: Samples = { workloads: new Map(), timings: new Map() };
  const jwtSecret = randomBytes(32).toString('hex');
  // The worker runs with its production default; the bare worker is given the same number.
  const concurrency = String(workerEnvSchema.shape.WORKER_CONCURRENCY.parse(undefined));
  const httpPrefix = `bench-http-${randomBytes(3).toString('hex')}`;
  prefixes.push(httpPrefix);
  const common = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
  };

  let reader = '';
  let writer = '';
  const readPaths: string[] = [];

  for (let run = 1; run <= plan.runs; run += 1) {
    progress(`run ${run}/${plan.runs}`);

    const apiPort = await freePort();
    const apiBase = `http://127.0.0.1:${apiPort}`;
    const apiService = startService(
      'api',
      ['apps/api/dist/main.js'],
      {
        ...common,
        REDIS_PREFIX: httpPrefix,
        JWT_SECRET: jwtSecret,
        // One user writes as fast as it can here: the abuse limit would measure 429s instead.
        WRITE_RATE_LIMIT_PER_USER: String(1_000_000_000),
        HOST: '127.0.0.1',
        PORT: String(apiPort),
      },
      logDir,
    );
    add(
      samples.timings,
      'api-cold-start',
      await waitUntilReady(apiService, `${apiBase}/health/ready`),
    );
    if (!reader) {
      reader = await loggedInUser(apiBase, 'reader');
      writer = await loggedInUser(apiBase, 'writer');
      for (let index = 0; index < READ_ITEMS; index += 1) {
        const item = await api<{ id: string }>(apiBase, '/items', {
          method: 'POST',
          headers: { authorization: `Bearer ${reader}` },
          body: JSON.stringify({ title: `item ${index}`, description: DESCRIPTION }),
        });
        readPaths.push(`/items/${item.id}`);
      }
    }
    const asReader = { authorization: `Bearer ${reader}` };
    const writeSpec = (base: string) => ({
      url: `${base}/items`,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'bench item', description: DESCRIPTION }),
    });
    const readSpec = (base: string) => ({
      url: `${base}${readPaths[0]}`,
      method: 'GET' as const,
      headers: asReader,
      paths: readPaths,
    });

    for (const [workload, spec] of [
      ['live', { url: `${apiBase}/health/live`, method: 'GET' as const, headers: {} }],
      ['read', readSpec(apiBase)],
      ['list', { url: `${apiBase}/items?limit=20`, method: 'GET' as const, headers: asReader }],
      ['write', writeSpec(apiBase)],
    ] as const) {
      progress(`  ${workload}`);
      add(samples.workloads, workload, await load(spec, plan));
    }
    await stopService(apiService);

    const barePort = await freePort();
    const bareBase = `http://127.0.0.1:${barePort}`;
    const bareServer = startService(
      'bare-server',
      tsModuleArgs('bare-server.ts'),
      { ...common, REDIS_PREFIX: httpPrefix, JWT_SECRET: jwtSecret, PORT: String(barePort) },
      logDir,
    );
    await waitUntilReady(bareServer, `${bareBase}/health`);
    for (const [workload, spec] of [
      ['bare-read', readSpec(bareBase)],
      ['bare-write', writeSpec(bareBase)],
    ] as const) {
      progress(`  ${workload}`);
      add(samples.workloads, workload, await load(spec, plan));
    }
    await stopService(bareServer);

    for (const [workload, bare] of [
      ['drain', false],
      ['bare-drain', true],
    ] as const) {
      progress(`  ${workload} (${plan.drainJobs} jobs)`);
      const prefix = `bench-${workload}-${run}-${randomBytes(3).toString('hex')}`;
      prefixes.push(prefix);
      const batch = await queueDrainBatch(pool, redisUrl, prefix, plan.drainJobs, DESCRIPTION);
      const env = { ...common, REDIS_PREFIX: prefix };
      let worker;
      if (bare) {
        worker = startService(
          'bare-worker',
          tsModuleArgs('bare-worker.ts'),
          { ...env, WORKER_CONCURRENCY: concurrency },
          logDir,
        );
      } else {
        const healthPort = await freePort();
        worker = startService(
          'worker',
          ['apps/worker/dist/main.js'],
          { ...env, WORKER_HEALTH_HOST: '127.0.0.1', WORKER_HEALTH_PORT: String(healthPort) },
          logDir,
        );
        add(
          samples.timings,
          'worker-cold-start',
          await waitUntilReady(worker, `http://127.0.0.1:${healthPort}/health`),
        );
      }
      add(samples.workloads, workload, await awaitDrain(pool, redisUrl, batch, DRAIN_TIMEOUT_MS));
      await stopService(worker);
    }
  }
  return samples;
}

function report(samples: Samples, cachedBuildMs: number): void {
  const runs = (name: string) => samples.workloads.get(name) ?? [];
  const workloads: WorkloadLine[] = [
    summarizeWorkload('live', runs('live')),
    summarizeWorkload('read', runs('read'), { bare: runs('bare-read') }),
    summarizeWorkload('list', runs('list')),
    summarizeWorkload('write', runs('write'), { bare: runs('bare-write') }),
    summarizeWorkload('drain', runs('drain'), { bare: runs('bare-drain'), unit: 'jobs/s' }),
    summarizeWorkload('bare-read', runs('bare-read')),
    summarizeWorkload('bare-write', runs('bare-write')),
    summarizeWorkload('bare-drain', runs('bare-drain'), { unit: 'jobs/s' }),
  ];
  const timings = [
    ...[...samples.timings].map(([measure, values]) => summarizeTiming(measure, values)),
    summarizeTiming('cached-build', [cachedBuildMs]),
  ];
  const targets = benchTargets({ workloads, timings }).map(evaluateTarget);
  for (const line of [...workloads, ...timings, ...targets]) emit(line);

  progress(`\n${formatTable(workloads)}\n`);
  for (const timing of timings) progress(`${timing.measure}: ${timing.ms} ms`);
  for (const target of targets) {
    progress(
      `${target.status.padEnd(12)} ${target.target}: ${target.figure ?? '-'} (${target.limit})`,
    );
  }
}

async function cleanRedis(redisUrl: string, prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const redis = createRedisConnection(redisUrl, 'producer');
  try {
    for (const prefix of prefixes) {
      const queue = createItemsQueue(redis, prefix);
      await queue.obliterate({ force: true });
      await queue.close();
    }
  } finally {
    redis.disconnect();
  }
}
