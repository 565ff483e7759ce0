// pnpm images:test: proves the images from committed files alone. Clones HEAD into a temp dir,
// builds both images cold (no layer cache, empty pnpm store) and warm (after a source-only
// change, which must reuse the dependency install), checks size budget, user and labels, runs
// the compose stack, drives the API from register to a processed item, stops a worker in the
// middle of jobs and checks it drains, then removes everything it created.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $, sleep } from 'zx';
import { IMAGES, type ImageName } from '@starter/config';
import { parseVerbArgs } from '@starter/scripts/lib/cli';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { formatSummary } from '@starter/scripts/lib/test-summary';
import { formatSizeReport, withinBudget } from './image-budget';
import { findStep } from './build-log';
import { composeProblems, type ComposeFile } from './compose-rules';
import { measureImages } from './image-sizes';

$.verbose = false;
$.quiet = true;

const IMAGE_NAMES = Object.keys(IMAGES) as ImageName[];
/** Jobs queued for the drain probe, each taking DRAIN_PROBE_JOB_MS in the probe worker. */
const DRAIN_PROBE_ITEMS = 5;
const DRAIN_PROBE_JOB_MS = 5_000;
const ITEM_DONE_TIMEOUT_MS = 60_000;

const timings: Array<[label: string, seconds: number]> = [];

async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await action();
  const seconds = (performance.now() - started) / 1000;
  timings.push([label, seconds]);
  console.log(`ok  ${label} (${seconds.toFixed(1)} s)`);
  return result;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function dockerBuild(
  dir: string,
  name: ImageName,
  tag: string,
  buildArgs: Record<string, string>,
  extra: string[] = [],
): Promise<string> {
  const { repository, dockerfile } = IMAGES[name];
  const args = Object.entries(buildArgs).flatMap(([key, value]) => [
    '--build-arg',
    `${key}=${value}`,
  ]);
  const result = await $({
    cwd: dir,
    nothrow: true,
  })`docker build --progress=plain -f ${dockerfile} -t ${repository}:${tag} ${args} ${extra} .`;
  if (result.exitCode !== 0) {
    throw new Error(`docker build of ${repository} failed:\n${result.stderr.slice(-6000)}`);
  }
  return result.stderr; // BuildKit writes its progress there.
}

async function checkImage(reference: string, labels: Record<string, string>): Promise<void> {
  const config = JSON.parse(
    (await $`docker image inspect --format ${'{{json .Config}}'} ${reference}`).stdout,
  ) as { User: string; Labels: Record<string, string>; Healthcheck?: { Test?: string[] } };
  const uid = (await $`docker run --rm --entrypoint id ${reference} -u`).stdout.trim();
  check(config.User !== '' && uid !== '0', `${reference} runs as root (USER "${config.User}")`);
  check(Boolean(config.Healthcheck?.Test?.length), `${reference} has no HEALTHCHECK`);
  for (const [key, value] of Object.entries(labels)) {
    check(
      config.Labels[key] === value,
      `${reference}: label ${key} is "${config.Labels[key]}", expected "${value}"`,
    );
  }
}

async function request(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function createItem(baseUrl: string, token: string, title: string): Promise<string> {
  const created = await request(
    baseUrl,
    'POST',
    '/items',
    { title, description: 'images test' },
    token,
  );
  check(
    created.status === 201,
    `POST /items answered ${created.status}: ${JSON.stringify(created.body)}`,
  );
  check(
    created.body.status === 'pending',
    `a new item is "${String(created.body.status)}", not pending`,
  );
  return String(created.body.id);
}

async function waitUntilDone(baseUrl: string, token: string, ids: string[]): Promise<void> {
  const deadline = Date.now() + ITEM_DONE_TIMEOUT_MS;
  let pending = ids;
  while (pending.length > 0) {
    const statuses = await Promise.all(
      pending.map(
        async (id) =>
          [
            id,
            (await request(baseUrl, 'GET', `/items/${id}`, undefined, token)).body.status,
          ] as const,
      ),
    );
    pending = statuses.filter(([, status]) => status !== 'done').map(([id]) => id);
    if (pending.length === 0) return;
    check(
      Date.now() < deadline,
      `${pending.length} item(s) still not done after ${ITEM_DONE_TIMEOUT_MS / 1000} s`,
    );
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const sha = (await $({ cwd: REPO_ROOT })`git rev-parse HEAD`).stdout.trim();
  const origin = await $({ cwd: REPO_ROOT, nothrow: true })`git config --get remote.origin.url`;
  const source = origin.stdout.trim() || REPO_ROOT;
  const tag = `images-test-${process.pid}`;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'images-test-'));
  const dir = path.join(workDir, 'repo');
  const composeEnv = {
    ...process.env,
    COMPOSE_PROJECT_NAME: tag,
    IMAGE_TAG: tag,
    API_PORT: '0',
    GIT_SHA: sha,
  };
  const compose = $({ cwd: dir, env: composeEnv });
  const builtImages: string[] = [];
  let stackStarted = false;

  try {
    console.log(`images test of ${sha} in ${dir}`);
    await timed(
      'clone HEAD',
      () =>
        $`git clone --quiet --no-hardlinks ${REPO_ROOT} ${dir} && git -C ${dir} checkout --quiet ${sha}`,
    );

    const labels = {
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.source': source,
    };
    for (const name of IMAGE_NAMES) {
      await timed(`cold build ${name}`, () =>
        dockerBuild(dir, name, tag, { REVISION: sha, SOURCE: source }, ['--no-cache']),
      );
      builtImages.push(`${IMAGES[name].repository}:${tag}`);
      await checkImage(`${IMAGES[name].repository}:${tag}`, labels);
    }

    const rows = await measureImages(dir, tag);
    console.log(formatSizeReport(rows));
    check(rows.every(withinBudget), 'an image is over its size budget');

    for (const name of IMAGE_NAMES) {
      await appendFile(
        path.join(dir, 'apps', name, 'src', 'main.ts'),
        `\n// warm-build probe ${randomUUID()}\n`,
      );
      const warmTag = `${tag}-warm`;
      const log = await timed(`warm build ${name} (source-only change)`, () =>
        dockerBuild(dir, name, warmTag, { REVISION: sha, SOURCE: source }),
      );
      builtImages.push(`${IMAGES[name].repository}:${warmTag}`);
      check(
        findStep(log, 'pnpm install --frozen-lockfile').cached,
        `${name}: the warm build reinstalled dependencies`,
      );
      check(
        findStep(log, 'pnpm install --prod').cached,
        `${name}: the warm build reinstalled production dependencies`,
      );
      check(
        !findStep(log, 'turbo run build').cached,
        `${name}: the warm build did not recompile the changed source`,
      );
    }

    const config = await compose`docker compose config --format json`;
    check(config.stderr.trim() === '', `docker compose config warns:\n${config.stderr}`);
    const composeFile = JSON.parse(config.stdout) as ComposeFile;
    const problems = composeProblems(composeFile);
    check(problems.length === 0, `docker-compose.yml:\n  - ${problems.join('\n  - ')}`);

    stackStarted = true;
    await timed(
      'docker compose up --wait',
      () => compose`docker compose up --detach --wait --no-build`,
    );
    const address = (await compose`docker compose port api 3000`).stdout.trim();
    const baseUrl = `http://${address}`;

    const token = await timed('register, log in, item processed', async () => {
      const credentials = {
        email: `images-test-${process.pid}@example.com`,
        password: 'images-test-password',
      };
      const registered = await request(baseUrl, 'POST', '/auth/register', credentials);
      check(registered.status === 201, `POST /auth/register answered ${registered.status}`);
      const login = await request(baseUrl, 'POST', '/auth/login', credentials);
      check(
        typeof login.body.access_token === 'string',
        `POST /auth/login answered ${login.status} without a token`,
      );
      const accessToken = login.body.access_token;
      await waitUntilDone(baseUrl, accessToken, [
        await createItem(baseUrl, accessToken, 'first item'),
      ]);
      return accessToken;
    });

    await timed('worker drains on SIGTERM', async () => {
      const prefix = String(composeFile.services.worker?.environment?.REDIS_PREFIX);
      const activeJobs = async (): Promise<number> => {
        const keys = (
          await compose`docker compose exec -T redis redis-cli --scan --pattern ${`${prefix}:*:active`}`
        ).stdout
          .split('\n')
          .filter(Boolean);
        let total = 0;
        for (const key of keys)
          total += Number(
            (await compose`docker compose exec -T redis redis-cli LLEN ${key}`).stdout.trim(),
          );
        return total;
      };

      // The real worker clears a queue in milliseconds, so the probe worker (same image) runs with
      // the test hook that makes every job take DRAIN_PROBE_JOB_MS: SIGTERM certainly lands mid-job.
      const probeFile = path.join(workDir, 'compose.drain-probe.yml');
      await writeFile(
        probeFile,
        `services:\n  worker:\n    environment:\n      NODE_ENV: test\n      WORKER_TEST_JOB_DELAY_MS: '${DRAIN_PROBE_JOB_MS}'\n`,
      );
      const withProbe = ['-f', 'docker-compose.yml', '-f', probeFile];
      await compose`docker compose stop worker`;
      const ids: string[] = [];
      for (let index = 0; index < DRAIN_PROBE_ITEMS; index += 1)
        ids.push(await createItem(baseUrl, token, `drain ${index}`));
      // No --wait: the jobs start as soon as the worker runs, before its healthcheck first passes.
      await compose`docker compose ${withProbe} up -d --no-deps worker`;
      const deadline = Date.now() + ITEM_DONE_TIMEOUT_MS;
      while ((await activeJobs()) === 0) {
        check(Date.now() < deadline, 'the probe worker never started a job');
        await sleep(100);
      }

      const container = (await compose`docker compose ps --all --quiet worker`).stdout.trim();
      const stopping = performance.now();
      await compose`docker compose stop worker`;
      const stopSeconds = (performance.now() - stopping) / 1000;
      const exitCode = Number(
        (await $`docker inspect --format {{.State.ExitCode}} ${container}`).stdout.trim(),
      );
      check(
        exitCode === 0,
        `the worker exited with ${exitCode} on SIGTERM (137: killed after the grace period, 143: it ignored the signal)`,
      );
      const leftActive = await activeJobs();
      check(
        leftActive === 0,
        `the stopped worker left ${leftActive} job(s) active instead of finishing them`,
      );
      console.log(
        `    worker stopped cleanly in ${stopSeconds.toFixed(1)} s with no job left active`,
      );

      await compose`docker compose up -d --no-deps --wait worker`;
      await waitUntilDone(baseUrl, token, ids);
    });
  } catch (error) {
    if (stackStarted) {
      const logs = await compose({ nothrow: true })`docker compose logs --no-color --tail 40`;
      console.error(logs.stdout);
    }
    throw error;
  } finally {
    // Cleanup failures are reported (and fail the run) but never hide the test's own error.
    const cleanups = [
      await compose({ nothrow: true })`docker compose down --volumes --remove-orphans --timeout 5`,
      ...(builtImages.length > 0
        ? [await $({ nothrow: true })`docker image rm ${builtImages}`]
        : []),
    ];
    for (const cleanup of cleanups.filter((result) => result.exitCode !== 0)) {
      console.error(`cleanup failed: ${cleanup.stderr}`);
      process.exitCode = 1;
    }
    await rm(workDir, { recursive: true, force: true });
    console.log('\ntimings');
    for (const [label, seconds] of timings)
      console.log(`  ${label.padEnd(42)} ${seconds.toFixed(1).padStart(6)} s`);
  }
}

const verb = {
  usage: 'pnpm images:test',
  description: [
    'Builds both images of the checked-out commit cold and warm (a source-only change must not',
    'reinstall dependencies), checks their sizes against the budget, their labels and users, and',
    'runs them with PostgreSQL and Redis under compose: migrate, serve, process a job, drain on',
    'SIGTERM. Ends with `N passed, N failed`.',
  ].join('\n'),
  options: {},
} as const;
if (parseVerbArgs(verb).dryRun) {
  process.stdout.write(`[dry-run] ${verb.description}\n`);
  process.exit(0);
}

// Each timed step is one check; the closing line is the one .ci/run adds up.
main().then(
  () => {
    console.log('\nimages test passed');
    console.log(formatSummary({ passed: timings.length, failed: 0, skipped: 0 }));
  },
  (error: unknown) => {
    console.error(
      `\nimages test FAILED: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.log(formatSummary({ passed: timings.length, failed: 1, skipped: 0 }));
    process.exit(1);
  },
);
