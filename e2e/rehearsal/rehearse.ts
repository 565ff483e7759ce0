import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IMAGES } from '@starter/config';
import { $ } from 'zx';
import { parseVerbArgs, runMain } from '@starter/scripts/lib/cli';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { formatSeconds } from '@starter/scripts/lib/steps';
import { formatSummary } from '@starter/scripts/lib/test-summary';
import { startLoad, type LoadReport } from './load-generator';
import { createFixtureRepository, type FixtureRelease } from './rehearsal-host';
import { startRehearsalStack } from './stack';

export const verb = {
  usage: 'pnpm rehearse [--keep] [--dry-run]',
  description: [
    'Runs release:build, release:push, deploy and rollback for real against a registry and an SSH',
    'deploy host that it starts on the Docker engine (containers), with a small fixture app',
    'standing in for the real images, and checks zero-downtime switching, automatic restore, failed',
    'migrations, rollback without pulls, the deploy lock, retention, the audit log, worker draining',
    'and that PostgreSQL and Redis are started once and survive every later deploy, failure and rollback.',
    '',
    '  --keep   leave the containers, images and host directory in place for inspection',
  ].join('\n'),
  options: { keep: { type: 'boolean', default: false } },
} as const;

const RETENTION = 3;
const TSX_CLI = require.resolve('tsx/cli');

const SCENARIOS = [
  '1. first deploy of release A on a clean host: A serves',
  '2. deploy of B under constant load: 0 failed requests, B serves (switch and total time printed)',
  '3. release C whose health check fails: deploy exits non-zero, B keeps serving with 0 failed requests, C removed',
  '4. release M whose migration fails: aborted before any switch, B still serves',
  '5. rollback to A: A serves with no image pulled; rollback again: B serves',
  '6. two deploys at once: exactly one runs, the other fails naming the lock holder',
  `7. after ${RETENTION + 2} releases only ${RETENTION} are retained; the audit log lists every attempt`,
  '8. worker drain: the job active when the old worker was stopped completed, none lost',
  '9. data services: PostgreSQL and Redis start once, the releases reach them, no later deploy, failed release or rollback recreates them, their data and volumes survive',
  '10. production settings: /metrics is refused by the proxy but served on the network; api and worker run read-only under an init with rotated logs; a drain timeout not shorter than the stop grace period fails the preflight',
];

interface VerbRun {
  code: number;
  output: string;
  seconds: number;
}

interface ContainerIdentity {
  id: string;
  created: string;
  startedAt: string;
  health: string;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  if (args.dryRun) {
    process.stdout.write(
      `[dry-run] the rehearsal would check:\n${SCENARIOS.map((line) => `  ${line}`).join('\n')}\n`,
    );
    return;
  }
  const started = performance.now();
  const id = `rh${Date.now().toString(36)}`;
  const app = `rehearsal-${id}`;
  // Repositories of this run only: retention deletes every image of its repositories that is not
  // retained, which would break a rehearsal running beside it on the same daemon.
  const repositoryPrefix = `rehearsal/${id}/`;
  const stack = await startRehearsalStack(id);
  const { registry, proxyPort, deployDir: dir } = stack;
  const scratch = mkdtempSync(path.join(tmpdir(), 'rehearsal-'));
  const appEnvFile = path.join(scratch, 'app.env');
  const appEnvironment = [
    `DATABASE_URL=postgres://app:${randomBytes(12).toString('hex')}@postgres:5432/app`,
    'REDIS_URL=redis://redis:6379',
    `JWT_SECRET=${randomBytes(24).toString('hex')}`,
  ];
  writeFileSync(appEnvFile, appEnvironment.join('\n'), { mode: 0o600 });
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...stack.deployEnv,
    DEPLOY_CONFIG_FILE: path.join(scratch, 'no-local-config.env'),
    DEPLOY_APP: app,
    DEPLOY_REPOSITORY_PREFIX: repositoryPrefix,
    DEPLOY_RETENTION: String(RETENTION),
    DEPLOY_ENV_FILE: appEnvFile,
    DEPLOY_SSM_PATH: undefined,
    DEPLOY_MIGRATE_COMMAND: 'node migrate.mjs',
    DEPLOY_SMOKE_PATH: '/version',
    DEPLOY_HEALTHCHECK_RETRIES: '3',
    DEPLOY_WORKER_STOP_GRACE_SECONDS: '30',
    DEPLOY_ACTOR: 'rehearsal',
  };
  const repositories = Object.values(IMAGES).map(
    (image) => `${registry}/${repositoryPrefix}${image.repository}`,
  );
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const fixture = createFixtureRepository();
  const tags: string[] = [];
  const checks: Check[] = [];
  const figures: string[] = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const check = (name: string, ok: boolean, detail = '') => {
    checks.push({ name, ok, detail });
    log(`${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
  };
  const runVerb = async (
    script: string,
    verbArgs: string[],
    extraEnv: Record<string, string> = {},
  ): Promise<VerbRun> => {
    const verbStarted = performance.now();
    const child = $({
      cwd: REPO_ROOT,
      env: { ...env, ...extraEnv },
      nothrow: true,
      quiet: true,
    })`${process.execPath} ${TSX_CLI} --conditions=@starter/source ${path.join('scripts/src', script)} ${verbArgs}`;
    const output = await child;
    const combined = `${output.stdout}${output.stderr}`;
    process.stdout.write(
      combined
        .replace(/^/gm, `    [${script}${verbArgs.length ? ` ${verbArgs.join(' ')}` : ''}] `)
        .trimEnd() + '\n',
    );
    return {
      code: output.exitCode ?? 1,
      output: combined,
      seconds: (performance.now() - verbStarted) / 1000,
    };
  };
  const buildRelease = async (release: FixtureRelease): Promise<string> => {
    await fixture.commit(release);
    const tag = (await $({ cwd: fixture.dir, quiet: true })`git rev-parse HEAD`).stdout
      .trim()
      .slice(0, 12);
    for (const script of ['release/build.ts', 'release/push.ts']) {
      const run = await runVerb(script, ['--context', fixture.dir]);
      if (run.code !== 0) throw new Error(`${script} failed for release ${release.name}`);
    }
    tags.push(tag);
    return tag;
  };
  const served = async (): Promise<string> => {
    try {
      const response = await fetch(`${proxyUrl}/version`);
      return ((await response.json()) as { release: string }).release;
    } catch (error) {
      return `(no answer: ${error instanceof Error ? error.message : String(error)})`;
    }
  };
  const stepSeconds = (run: VerbRun, step: string) =>
    new RegExp(`✓ \\d+/\\d+ ${step} \\((\\d+\\.\\d)s\\)`).exec(run.output)?.[1];
  const loadDetail = (report: LoadReport) =>
    `${report.ok} ok, ${report.failed} failed, answered by ${[...report.releases].map(([name, count]) => `${name}×${count}`).join(' then ')}${report.failures.length ? `; ${report.failures.join('; ')}` : ''}`;
  const docker = async (dockerArgs: string[]) =>
    (await $({ quiet: true })`docker ${dockerArgs}`).stdout.trim();
  const serviceContainer = async (project: string, service: string) =>
    docker([
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ]);
  const dataServices = ['postgres', 'redis'] as const;
  const dataVolumes = dataServices.map((service) => `${app}_${service}-data`);
  /** What would change if a data container were recreated or restarted. */
  const dataIdentity = async (): Promise<Record<string, ContainerIdentity | undefined>> => {
    const identities: Record<string, ContainerIdentity | undefined> = {};
    for (const service of dataServices) {
      const ids = (await serviceContainer(app, service)).split('\n').filter(Boolean);
      identities[service] =
        ids.length === 1
          ? (JSON.parse(
              await docker([
                'inspect',
                '-f',
                '{"id":{{json .Id}},"created":{{json .Created}},"startedAt":{{json .State.StartedAt}},"health":{{json .State.Health.Status}}}',
                ids[0]!,
              ]),
            ) as ContainerIdentity)
          : undefined;
    }
    return identities;
  };
  const volumeCreation = async () =>
    docker(['volume', 'inspect', '-f', '{{.Name}} {{.CreatedAt}}', ...dataVolumes]);
  let dataAtStart: Record<string, ContainerIdentity | undefined> = {};
  const checkDataUntouched = async (after: string) => {
    const now = await dataIdentity();
    check(
      `9 ${after} left PostgreSQL and Redis running, not recreated or restarted`,
      dataServices.every(
        (service) =>
          now[service] !== undefined &&
          JSON.stringify(now[service]) === JSON.stringify(dataAtStart[service]),
      ),
      dataServices
        .map((service) => `${service} ${now[service]?.id.slice(0, 12) ?? 'missing'}`)
        .join(', '),
    );
  };
  const marker = `rehearsal-${id}`;
  const psql = async (sql: string) =>
    docker([
      'exec',
      await serviceContainer(app, 'postgres'),
      'psql',
      '-U',
      'app',
      '-d',
      'app',
      '-v',
      'ON_ERROR_STOP=1',
      '-tAc',
      sql,
    ]);
  const redisCli = async (...command: string[]) =>
    docker(['exec', await serviceContainer(app, 'redis'), 'redis-cli', ...command]);
  const containersOf = async (tag: string) =>
    (
      await $({
        quiet: true,
      })`docker ps -aq --filter ${`label=com.docker.compose.project=${app}-${tag}`}`
    ).stdout.trim();

  try {
    log(
      `Rehearsal ${app}: registry ${registry}, host ${stack.ssh.user}@${stack.ssh.host}:${stack.ssh.port}, dir ${dir}, proxy ${proxyUrl}`,
    );
    log(
      '\n== building releases A, B, C (health fails), M (migration fails), D, E, F from the fixture',
    );
    const buildStarted = performance.now();
    const A = await buildRelease({ name: 'A' });
    const B = await buildRelease({ name: 'B' });
    const C = await buildRelease({ name: 'C', healthFail: true });
    const M = await buildRelease({ name: 'M', migrateFail: true });
    const D = await buildRelease({ name: 'D' });
    const E = await buildRelease({ name: 'E' });
    const F = await buildRelease({ name: 'F' });
    figures.push(`build + push of 7 releases: ${formatSeconds(performance.now() - buildStarted)}`);

    log(`\n== ${SCENARIOS[0]}`);
    const first = await runVerb('deploy/deploy.ts', ['--sha', A]);
    check('1 first deploy of A succeeds', first.code === 0, `${first.seconds.toFixed(1)}s`);
    check('1 A serves through the proxy', (await served()) === 'A');
    figures.push(
      `first deploy (A), PostgreSQL and Redis created: ${first.seconds.toFixed(1)}s (data services ${stepSeconds(first, 'data services')}s)`,
    );

    log(`\n== ${SCENARIOS[8]}`);
    dataAtStart = await dataIdentity();
    check(
      '9 the first deploy started PostgreSQL and Redis, both healthy',
      dataServices.every((service) => dataAtStart[service]?.health === 'healthy'),
      dataServices
        .map((service) => `${service}: ${dataAtStart[service]?.health ?? 'missing'}`)
        .join(', '),
    );
    check(
      "9 A's migration reached both by service name over the data network",
      first.output.includes('postgres at postgres:5432 and redis at redis:6379 answered'),
    );
    const volumesAtStart = await volumeCreation();
    await psql(
      `CREATE TABLE rehearsal_marker (value text); INSERT INTO rehearsal_marker VALUES ('${marker}')`,
    );
    await redisCli('SET', 'rehearsal-marker', marker);
    check(
      '9 Redis runs with append-only persistence and noeviction',
      (await redisCli('CONFIG', 'GET', 'appendonly')).endsWith('yes') &&
        (await redisCli('CONFIG', 'GET', 'maxmemory-policy')).endsWith('noeviction'),
    );

    log(`\n== ${SCENARIOS[9]}`);
    const apiOfA = await serviceContainer(`${app}-${A}`, 'api');
    const workerOfA = await serviceContainer(`${app}-${A}`, 'worker');
    const metricsOutside = await fetch(`${proxyUrl}/metrics`);
    const metricsInside = await docker([
      'exec',
      await serviceContainer(app, 'proxy'),
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `http://api-${A}:3000/metrics`,
    ]);
    check(
      '10 /metrics answers 404 through the proxy and 200 on the network (Prometheus)',
      metricsOutside.status === 404 && metricsInside === '200',
      `proxy ${metricsOutside.status}, api-${A}:3000 ${metricsInside}`,
    );
    const hardening = await docker([
      'inspect',
      '-f',
      '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Init}} {{json .HostConfig.Tmpfs}} {{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-size"}} {{index .HostConfig.LogConfig.Config "max-file"}} {{.State.Health.Status}}',
      apiOfA,
      workerOfA,
    ]);
    check(
      '10 api and worker: read-only root, init, tmpfs /tmp, rotated json-file logs, healthy',
      hardening
        .split('\n')
        .every((line) => line === 'true true {"/tmp":""} json-file 10m 5 healthy'),
      hardening.replaceAll('\n', ' | '),
    );
    const drainTooLong = await runVerb('deploy/deploy.ts', ['--sha', B], {
      DEPLOY_WORKER_STOP_GRACE_SECONDS: '25',
    });
    check(
      '10 a drain timeout (default 25s) not shorter than the stop grace period (25s) fails the preflight',
      drainTooLong.code !== 0 &&
        /failed: WORKER_DRAIN_TIMEOUT_SECONDS \(not set in .*: default 25\) must be shorter than DEPLOY_WORKER_STOP_GRACE_SECONDS=25/.test(
          drainTooLong.output,
        ) &&
        !/\d+\/\d+ lock/.test(drainTooLong.output),
    );

    log(`\n== ${SCENARIOS[1]}`);
    const oldWorker = (
      await $({
        quiet: true,
      })`docker ps -q --filter ${`label=com.docker.compose.project=${app}-${A}`} --filter label=com.docker.compose.service=worker`
    ).stdout.trim();
    const workerLogs = $({ quiet: true, nothrow: true })`docker logs -f ${oldWorker}`;
    let load = startLoad(`${proxyUrl}/version`);
    const second = await runVerb('deploy/deploy.ts', ['--sha', B]);
    let report = await load.stop();
    check('2 deploy of B under load succeeds', second.code === 0);
    check(
      '2 no request failed during the switch to B',
      report.failed === 0 && report.ok > 0,
      loadDetail(report),
    );
    check('2 B serves', (await served()) === 'B');
    figures.push(
      `deploy of B under load: total ${second.seconds.toFixed(1)}s, data services ${stepSeconds(second, 'data services')}s, API switch ${stepSeconds(second, 'switch api')}s, worker replacement ${stepSeconds(second, 'replace worker')}s, ${report.ok} requests, ${report.failed} failed`,
    );
    await checkDataUntouched('the deploy of B');

    log(`\n== ${SCENARIOS[7]}`);
    const events = (await workerLogs).stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; job?: number; active?: number | null });
    const sigterm = events.find((event) => event.event === 'sigterm');
    const startedJobs = events
      .filter((event) => event.event === 'job-started')
      .map((event) => event.job);
    const completedJobs = events
      .filter((event) => event.event === 'job-completed')
      .map((event) => event.job);
    check(
      '8 the old worker was stopped mid-job and finished it',
      typeof sigterm?.active === 'number' && completedJobs.includes(sigterm.active),
      `job active at SIGTERM: ${sigterm?.active ?? 'none'}`,
    );
    check(
      '8 no job lost: every started job completed, then the worker exited drained',
      startedJobs.length > 0 &&
        startedJobs.every((job) => completedJobs.includes(job)) &&
        events.at(-1)?.event === 'drained',
      `${startedJobs.length} started, ${completedJobs.length} completed`,
    );

    log(`\n== ${SCENARIOS[2]}`);
    load = startLoad(`${proxyUrl}/version`);
    const broken = await runVerb('deploy/deploy.ts', ['--sha', C]);
    report = await load.stop();
    check('3 deploy of C exits non-zero', broken.code !== 0);
    check(
      '3 the failure names the step and the restore',
      /failed at "switch api"/.test(broken.output) && /restored/.test(broken.output),
    );
    check(
      '3 B kept serving with 0 failed requests',
      report.failed === 0 && (await served()) === 'B',
      loadDetail(report),
    );
    check("3 C's containers are gone", (await containersOf(C)) === '');
    await checkDataUntouched('the failed deploy of C and its restore');
    figures.push(
      `failed deploy of C (detected and restored): ${broken.seconds.toFixed(1)}s, ${report.ok} requests, ${report.failed} failed`,
    );

    log(`\n== ${SCENARIOS[3]}`);
    const migration = await runVerb('deploy/deploy.ts', ['--sha', M]);
    check(
      '4 deploy of M exits non-zero at migrate',
      migration.code !== 0 && /failed at "migrate"/.test(migration.output),
    );
    check(
      '4 nothing was switched',
      !/switch api/.test(migration.output) && (await containersOf(M)) === '',
    );
    check('4 B still serves', (await served()) === 'B');
    await checkDataUntouched('the failed migration of M');

    log(`\n== ${SCENARIOS[4]}`);
    const since = Math.floor(Date.now() / 1000);
    const rollback = await runVerb('deploy/rollback.ts', ['--sha', A]);
    const pulls = (
      await $({
        quiet: true,
      })`docker events --since ${since} --until ${Math.ceil(Date.now() / 1000) + 1} --filter type=image --filter event=pull --format {{.Actor.ID}}`
    ).stdout
      .split('\n')
      .filter((line) => repositories.some((repository) => line.startsWith(repository)));
    check(
      '5 rollback to A succeeds and A serves',
      rollback.code === 0 && (await served()) === 'A',
      `${rollback.seconds.toFixed(1)}s`,
    );
    check('5 the rollback pulled no image', pulls.length === 0, pulls.join(', '));
    const back = await runVerb('deploy/rollback.ts', []);
    check(
      '5 rollback with no --sha returns to the previous release, B',
      back.code === 0 && (await served()) === 'B',
    );
    figures.push(
      `rollback to A: ${rollback.seconds.toFixed(1)}s; back to B: ${back.seconds.toFixed(1)}s`,
    );
    await checkDataUntouched('two rollbacks');

    log(`\n== ${SCENARIOS[5]}`);
    const [one, two] = await Promise.all([
      runVerb('deploy/deploy.ts', ['--sha', D], { DEPLOY_ACTOR: 'rehearsal-first' }),
      runVerb('deploy/deploy.ts', ['--sha', D], { DEPLOY_ACTOR: 'rehearsal-second' }),
    ]);
    const winner = one.code === 0 ? one : two;
    const loser = one.code === 0 ? two : one;
    const winnerName = winner === one ? 'rehearsal-first' : 'rehearsal-second';
    check(
      '6 exactly one of two concurrent deploys ran',
      [one.code, two.code].filter((code) => code === 0).length === 1,
    );
    check(
      '6 the other failed naming the lock holder',
      loser.code !== 0 && loser.output.includes(`holds the lock: ${winnerName}`),
    );
    check('6 D serves', (await served()) === 'D');

    log(`\n== ${SCENARIOS[6]}`);
    for (const tag of [E, F]) {
      const run = await runVerb('deploy/deploy.ts', ['--sha', tag]);
      check(`7 deploy of ${tag === E ? 'E' : 'F'} succeeds`, run.code === 0);
    }
    const retainedImages = (
      await $({ quiet: true })`docker image ls --format {{.Tag}} ${repositories[0]!}`
    ).stdout
      .split('\n')
      .filter((tag) => tags.includes(tag));
    const releaseDirs = (await stack.onHost(`ls -1 ${dir}/releases`)).trim().split('\n');
    const expected = [D, E, F].sort();
    check(
      `7 only the last ${RETENTION} releases are retained (images and files)`,
      JSON.stringify(retainedImages.sort()) === JSON.stringify(expected) &&
        JSON.stringify(releaseDirs.sort()) === JSON.stringify(expected),
      `images: ${retainedImages.length}, release dirs: ${releaseDirs.length}`,
    );
    const gone = await runVerb('deploy/rollback.ts', ['--sha', A]);
    check(
      '7 rollback to a release no longer retained fails listing the available ones',
      gone.code !== 0 && gone.output.includes(`available: ${[F, E, D].join(', ')}`),
    );
    const audit = (await stack.onHost(`cat ${dir}/audit.log`)).trim().split('\n');
    const attempts: [string, string, string][] = [
      ['deploy', A, 'success'],
      ['deploy', B, 'success'],
      ['deploy', C, 'failed:switch-api'],
      ['deploy', M, 'failed:migrate'],
      ['rollback', A, 'success'],
      ['rollback', B, 'success'],
      ['deploy', D, 'success'],
      ['deploy', D, 'locked-out'],
      ['deploy', E, 'success'],
      ['deploy', F, 'success'],
      ['rollback', A, 'failed:check-retained'],
    ];
    const missing = attempts.filter(
      ([action, tag, result]) =>
        !audit.some((line) => line.includes(`action=${action} release=${tag} result=${result} `)),
    );
    await checkDataUntouched(`concurrent deploys, ${RETENTION + 2} releases and retention`);
    check(
      '9 the data volumes are the ones created by the first deploy, data included',
      (await volumeCreation()) === volumesAtStart &&
        (await psql('SELECT value FROM rehearsal_marker')) === marker &&
        (await redisCli('GET', 'rehearsal-marker')) === marker,
      volumesAtStart.replaceAll('\n', ', '),
    );
    check(
      '7 the audit log has a line for every attempt',
      missing.length === 0 && audit.length === attempts.length,
      `${audit.length} lines${missing.length ? `; missing ${missing.map((entry) => entry.join(' ')).join(', ')}` : ''}`,
    );
  } finally {
    if (args.keep) {
      log(`\n--keep: left ${app} in place (containers, images, ${dir})`);
    } else {
      await cleanUp();
    }
    fixture.remove();
    rmSync(scratch, { recursive: true, force: true });
  }

  async function cleanUp() {
    const projects = [app, ...tags.map((tag) => `${app}-${tag}`)];
    for (const project of projects) {
      const ids = (
        await $({
          quiet: true,
        })`docker ps -aq --filter ${`label=com.docker.compose.project=${project}`}`
      ).stdout
        .trim()
        .split('\n')
        .filter(Boolean);
      if (ids.length) await $({ quiet: true })`docker rm -f -v ${ids}`;
      await $({ quiet: true, nothrow: true })`docker network rm ${`${project}_default`}`;
    }
    await $({ quiet: true, nothrow: true })`docker volume rm ${dataVolumes}`;
    await $({ quiet: true, nothrow: true })`docker network rm ${`${app}-edge`} ${`${app}-data`}`;
    const images = repositories.flatMap((repository) => tags.map((tag) => `${repository}:${tag}`));
    await $({ quiet: true, nothrow: true })`docker image rm ${images}`;
    await stack.stop();
  }

  log(`\n== figures\n${figures.map((line) => `  ${line}`).join('\n')}`);
  log(`  rehearsal total: ${formatSeconds(performance.now() - started)}`);
  const failed = checks.filter((entry) => !entry.ok);
  log(
    `\n${formatSummary({ passed: checks.length - failed.length, failed: failed.length, skipped: 0 })}`,
  );
  if (failed.length > 0)
    throw new Error(
      `rehearsal failed:\n${failed.map((entry) => `  ✗ ${entry.name} ${entry.detail}`).join('\n')}`,
    );
});
