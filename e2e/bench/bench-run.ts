import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { apiEnvSchema, workerEnvSchema } from '@starter/config';
import { createItemsQueue, createRedisConnection } from '@starter/queue';
import {
  createTestDatabase,
  dropTestDatabase,
  freePort,
  startTestServices,
  type TestServices,
} from '@starter/testing';
import { Pool } from 'pg';
import { $ } from 'zx';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import {
  benchTargets,
  evaluateTarget,
  formatRssTable,
  formatTable,
  HTTP_WORKLOADS,
  summarizeRss,
  summarizeTiming,
  summarizeWorkload,
  type RssFigures,
  type RunFigures,
  type WorkloadLine,
} from './bench-results';
import {
  bareModuleArgs,
  killAll,
  runTsModule,
  startService,
  stopService,
  waitUntilReady,
  type Service,
} from './bench-processes';
import { awaitDrain, queueDrainBatch, releaseDrain, waitForConsumer } from './drain';
import { watchRss } from './rss-watch';
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

/** Whether a TCP connection to the URL's host and port opens within a few seconds. */
async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), timeout: 3_000 });
  const opened = await Promise.race([
    once(socket, 'connect').then(() => true),
    once(socket, 'error').then(() => false),
    once(socket, 'timeout').then(() => false),
  ]);
  socket.destroy();
  return opened;
}

/**
 * The servers' own addresses: through Docker's published ports every round trip also crosses the
 * engine's userland proxy, which adds the same latency to both sides and hides the framework's
 * cost. Refuses to measure through it.
 */
async function directServices(services: TestServices): Promise<TestServices['directUrls']> {
  const { directUrls } = services;
  for (const url of [directUrls.databaseUrl, directUrls.redisUrl]) {
    if (!(await reachable(url))) {
      throw new Error(
        `${new URL(url).host} is not reachable from this machine (a container's own address is ` +
          'not with Docker Desktop): run PostgreSQL and Redis where it can reach them and set ' +
          'TEST_DATABASE_URL and TEST_REDIS_URL',
      );
    }
  }
  return directUrls;
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
  let redisUrl: string | undefined;
  const prefixes: string[] = [];
  // Without Ryuk nothing else would remove the containers of an interrupted run.
  process.once('SIGINT', () => {
    progress('interrupted: stopping services');
    killAll();
    void services.stop().finally(() => process.exit(130));
  });
  try {
    const direct = await directServices(services);
    emit({
      services: {
        postgres: new URL(direct.databaseUrl).host,
        redis: new URL(direct.redisUrl).host,
      },
    });
    redisUrl = direct.redisUrl;
    databaseUrl = await createTestDatabase(direct.databaseUrl, { template: null });
    await $({
      env: { ...process.env, DATABASE_URL: databaseUrl },
    })`node packages/db/dist/cli/migrate.js`;
    pool = new Pool({ connectionString: databaseUrl, max: 2 });
    const samples = await measure(plan, {
      databaseUrl,
      redisUrl: direct.redisUrl,
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
    if (redisUrl) await cleanRedis(redisUrl, prefixes);
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
  rss: Map<string, RssFigures[]>;
}

function add<T>(map: Map<string, T[]>, key: string, value: T): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

/** The application first in odd runs and the bare side first in even ones, so drift cancels out. */
function inTurn<T>(run: number, app: T, bare: T): [T, T] {
  return run % 2 === 1 ? [app, bare] : [bare, app];
}

async function measure(plan: Plan, context: Context): Promise<Samples> {
  const { databaseUrl, redisUrl, pool, logDir, prefixes } = context;
  const samples: Samples = { workloads: new Map(), timings: new Map(), rss: new Map() };
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
  const ownHttpEnv = { ...common, REDIS_PREFIX: httpPrefix, JWT_SECRET: jwtSecret };
  // The bare server checks the issuer and audience the API's defaults give its tokens.
  const { JWT_ISSUER, JWT_AUDIENCE } = apiEnvSchema.parse(ownHttpEnv);
  const httpEnv = { ...ownHttpEnv, JWT_ISSUER, JWT_AUDIENCE };

  let reader = '';
  let writer = '';
  const readPaths: string[] = [];

  /** Registers the two users and the items to read, through the API's own routes, once. */
  const seed = async (apiBase: string) => {
    if (reader) return;
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
  };

  /** The four HTTP workloads, in order, against one server; its RSS watched around them. */
  const loadHttp = async (side: 'api' | 'bare-server', service: Service, base: string) => {
    const prefix = side === 'api' ? '' : 'bare-';
    const asReader = { authorization: `Bearer ${reader}` };
    const specs = [
      ['live', { url: `${base}/health/live`, method: 'GET' as const, headers: {} }],
      [
        'read',
        {
          url: `${base}${readPaths[0]}`,
          method: 'GET' as const,
          headers: asReader,
          paths: readPaths,
        },
      ],
      ['list', { url: `${base}/items?limit=20`, method: 'GET' as const, headers: asReader }],
      [
        'write',
        {
          url: `${base}/items`,
          method: 'POST' as const,
          headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'bench item', description: DESCRIPTION }),
        },
      ],
    ] as const;
    const { rss } = await watchRss(service.child.pid!, async () => {
      for (const [workload, spec] of specs) {
        progress(`  ${prefix}${workload}`);
        add(samples.workloads, `${prefix}${workload}`, await load(spec, plan));
      }
    });
    add(samples.rss, side, rss);
  };

  const runApi = async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = startService(
      'api',
      ['apps/api/dist/main.js'],
      {
        ...httpEnv,
        // One user writes as fast as it can here: the abuse limit would measure 429s instead.
        WRITE_RATE_LIMIT_PER_USER: String(1_000_000_000),
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      logDir,
    );
    add(samples.timings, 'api-cold-start', await waitUntilReady(service, `${base}/health/ready`));
    await seed(base);
    await loadHttp('api', service, base);
    await stopService(service);
  };

  const runBareServer = async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = startService(
      'bare-server',
      bareModuleArgs('bare-server.mts'),
      { ...httpEnv, PORT: String(port) },
      logDir,
    );
    await waitUntilReady(service, `${base}/health/live`);
    await loadHttp('bare-server', service, base);
    await stopService(service);
  };

  /** One drain: the batch queued while its queue is paused, released once the worker is idle. */
  const runDrain = async (run: number, side: 'worker' | 'bare-worker') => {
    const workload = side === 'worker' ? 'drain' : 'bare-drain';
    progress(`  ${workload} (${plan.drainJobs} jobs)`);
    const prefix = `bench-${workload}-${run}-${randomBytes(3).toString('hex')}`;
    prefixes.push(prefix);
    const batch = await queueDrainBatch(pool, redisUrl, prefix, plan.drainJobs, DESCRIPTION);
    const env = { ...common, REDIS_PREFIX: prefix };
    let worker: Service;
    if (side === 'bare-worker') {
      worker = startService(
        side,
        bareModuleArgs('bare-worker.mts'),
        { ...env, WORKER_CONCURRENCY: concurrency },
        logDir,
      );
    } else {
      const healthPort = await freePort();
      worker = startService(
        side,
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
    await waitForConsumer(worker, redisUrl, batch);
    const { result, rss } = await watchRss(worker.child.pid!, async () => {
      await releaseDrain(redisUrl, batch);
      return awaitDrain(pool, redisUrl, batch, DRAIN_TIMEOUT_MS);
    });
    add(samples.workloads, workload, result);
    add(samples.rss, side, rss);
    await stopService(worker);
  };

  for (let run = 1; run <= plan.runs; run += 1) {
    progress(`run ${run}/${plan.runs}`);
    // The API goes first in the first run: the users and items are registered through it.
    for (const side of inTurn(run, runApi, runBareServer)) await side();
    for (const side of inTurn(run, 'worker' as const, 'bare-worker' as const)) {
      await runDrain(run, side);
    }
  }
  return samples;
}

function report(samples: Samples, cachedBuildMs: number): void {
  const runs = (name: string) => samples.workloads.get(name) ?? [];
  const rss = (name: string) => samples.rss.get(name) ?? [];
  const workloads: WorkloadLine[] = [
    ...HTTP_WORKLOADS.map((name) =>
      summarizeWorkload(name, runs(name), { bare: runs(`bare-${name}`) }),
    ),
    summarizeWorkload('drain', runs('drain'), { bare: runs('bare-drain'), unit: 'jobs/s' }),
    ...HTTP_WORKLOADS.map((name) => summarizeWorkload(`bare-${name}`, runs(`bare-${name}`))),
    summarizeWorkload('bare-drain', runs('bare-drain'), { unit: 'jobs/s' }),
  ];
  const memory = [
    summarizeRss('api', rss('api'), 'bare-server', rss('bare-server')),
    summarizeRss('worker', rss('worker'), 'bare-worker', rss('bare-worker')),
  ];
  const timings = [
    ...[...samples.timings].map(([measure, values]) => summarizeTiming(measure, values)),
    summarizeTiming('cached-build', [cachedBuildMs]),
  ];
  const targets = benchTargets({ workloads, timings, rss: memory }).map(evaluateTarget);
  for (const line of [...workloads, ...memory, ...timings, ...targets]) emit(line);

  progress(`\n${formatTable(workloads)}\n\n${formatRssTable(memory)}\n`);
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
