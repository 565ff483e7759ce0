import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { IMAGE_TAG_LENGTH } from '@starter/config';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { freePort } from '@starter/testing';
import { startRehearsalStack, type RehearsalStack } from '../rehearsal/stack';
import {
  removeDeployment,
  rehearsalDeployment,
  type RehearsalDeployment,
} from './rehearsal-fixture';
import { replayWorkflow, type JobReport, type ReplayReport } from './replay';

const log = (line: string) => process.stdout.write(`${line}\n`);
// Every replay's clones and logs, removed after the stories.
const workRoot = mkdtempSync(path.join(tmpdir(), 'replay-stories-'));
let replays = 0;
const workDir = () => path.join(workRoot, String(++replays));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));
const job = (report: ReplayReport, key: string): JobReport => {
  const found = report.jobs.find((entry) => entry.key === key);
  if (!found)
    throw new Error(`no job ${key} in ${report.jobs.map((entry) => entry.key).join(', ')}`);
  return found;
};
const git = (cwd: string) =>
  $({
    cwd,
    quiet: true,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'replay',
      GIT_AUTHOR_EMAIL: 'replay@localhost',
      GIT_COMMITTER_NAME: 'replay',
      GIT_COMMITTER_EMAIL: 'replay@localhost',
    },
  });

/** A throwaway repository holding one workflow, committed, as the replay reads it. */
async function syntheticRepository(workflow: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'replay-synthetic-'));
  mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
  writeFileSync(path.join(dir, '.github/workflows/synthetic.yml'), workflow);
  await git(dir)`git init -q`;
  await git(dir)`git add -A`;
  await git(dir)`git commit -q -m synthetic`;
  return dir;
}

const syntheticWorkflow = (step: string) => `name: Synthetic
on: push
jobs:
  only:
    runs-on: ubuntu-24.04
    steps:
${step}
`;

describe('Workflows, replayed from their YAML', () => {
  it('a. a push to main without deploy variables runs CI as written and skips the deploy jobs with their notice', async () => {
    // CI's verify job runs as written up to its format check; its lint, typecheck and test suite
    // (several minutes each, cold, in a fresh clone), the images and rehearsal jobs (which .ci/run
    // runs on their own) are recorded as passed.
    const report = await replayWorkflow({
      workflow: 'deploy.yml',
      event: 'push',
      sourceRepo: REPO_ROOT,
      fixture: { vars: {}, secrets: {} },
      assumePassed: [
        'ci/verify:pnpm run lint',
        'ci/verify:pnpm run typecheck',
        'ci/verify:pnpm test',
        'ci/images',
        'ci/rehearsal',
      ],
      log,
      workDir: workDir(),
    });

    expect(report.result).toBe('success');
    const verify = job(report, 'ci/verify');
    expect(verify.result).toBe('success');
    expect(verify.steps.filter((step) => !step.assumed).map((step) => step.name)).toEqual([
      expect.stringMatching(/^Run actions\/checkout@/),
      expect.stringMatching(/^Run pnpm\/action-setup@/),
      expect.stringMatching(/^Run actions\/setup-node@/),
      expect.stringMatching(/^Run actions\/cache@/),
      'Run pnpm install --frozen-lockfile',
      'Run pnpm run format:check',
    ]);
    expect(verify.steps.every((step) => step.outcome === 'success')).toBe(true);
    expect(job(report, 'ci').result).toBe('success');
    expect(job(report, 'not-configured').result).toBe('success');
    expect(job(report, 'release').result).toBe('skipped');
    expect(job(report, 'staging').result).toBe('skipped');
    expect(job(report, 'production').result).toBe('skipped');
    expect(report.annotations).toEqual([
      expect.objectContaining({ level: 'notice', title: 'Deploy skipped', job: 'not-configured' }),
    ]);
    expect(report.annotations[0]!.message).toMatch(/Set the repository variables AWS_REGION/);
  });

  describe('b. what the replay cannot reproduce fails it, naming it', () => {
    const cases: [string, string, RegExp][] = [
      [
        'an unknown action',
        '      - uses: acme/deploy-anything@v1',
        /unknown action acme\/deploy-anything@v1/,
      ],
      [
        'an unknown input of a known action',
        '      - uses: actions/checkout@v6\n        with:\n          submodules: true',
        /actions\/checkout: the replay does not support the input\(s\) submodules/,
      ],
      [
        'a GitHub function the replay does not evaluate',
        "      - run: echo ${{ hashFiles('**/pnpm-lock.yaml') }}",
        /Unrecognized function: 'hashFiles'/,
      ],
      [
        'a function GitHub does not know either',
        '      - if: ${{ shipit() }}\n        run: echo never',
        /Unrecognized function: 'shipit'/,
      ],
      [
        'a context the replay does not provide',
        '      - run: echo ${{ matrix.node }}',
        /Unrecognized named-value: 'matrix'/,
      ],
    ];
    it.each(cases)('%s', async (_case, step, message) => {
      const repo = await syntheticRepository(syntheticWorkflow(step));
      try {
        await expect(
          replayWorkflow({
            workflow: 'synthetic.yml',
            event: 'push',
            sourceRepo: repo,
            fixture: { vars: {}, secrets: {} },
            log,
            workDir: workDir(),
          }),
        ).rejects.toThrow(message);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    });
  });

  describe('against a rehearsal host', () => {
    const id = randomBytes(4).toString('hex');
    let stack: RehearsalStack;
    let deployment: RehearsalDeployment;
    // A clone of this commit, where story d adds a second release on top.
    let sourceRepo: string;
    let firstSha: string;
    const tags: string[] = [];

    let scratch: string;
    const served = async (
      url = stack.proxyUrl,
    ): Promise<{ status: number; release: string | null }> => {
      const response = await fetch(`${url}/health/ready`);
      return { status: response.status, release: response.headers.get('x-release') };
    };

    beforeAll(async () => {
      stack = await startRehearsalStack(id);
      scratch = mkdtempSync(path.join(tmpdir(), 'replay-environments-'));
      deployment = rehearsalDeployment(stack, id, await freePort(), await freePort(), scratch);
      sourceRepo = mkdtempSync(path.join(tmpdir(), 'replay-source-'));
      await $({ quiet: true })`git clone -q --no-local ${REPO_ROOT} ${sourceRepo}`;
      firstSha = (await git(sourceRepo)`git rev-parse HEAD`).stdout.trim();
    });

    afterAll(async () => {
      if (deployment) await removeDeployment(deployment, tags);
      await stack?.stop();
      if (sourceRepo) rmSync(sourceRepo, { recursive: true, force: true });
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('c. a push to main, with the variables and secrets set, deploys the commit to staging, checks it there, and promotes the same digests to production', async () => {
      tags.push(firstSha.slice(0, IMAGE_TAG_LENGTH));
      const report = await replayWorkflow({
        workflow: 'deploy.yml',
        event: 'push',
        sourceRepo,
        fixture: deployment.fixture,
        // Story a ran CI's steps; here the deploy path is what is proven.
        assumePassed: ['ci/verify', 'ci/images', 'ci/rehearsal'],
        log,
        workDir: workDir(),
      });

      expect(report.result).toBe('success');
      expect(job(report, 'not-configured').result).toBe('skipped');
      expect(job(report, 'release').result).toBe('success');
      const staging = job(report, 'staging');
      expect(staging.result).toBe('success');
      expect(staging.environment).toEqual({ name: 'staging', url: deployment.stagingUrl });
      expect(staging.summary).toContain(`Deploy to staging ${tags[0]}: success`);
      expect(staging.summary).toContain('- Environment: staging');
      const production = job(report, 'production');
      expect(production.result).toBe('success');
      expect(production.environment).toEqual({ name: 'production', url: stack.proxyUrl });
      expect(production.summary).toContain(`Promote to production ${tags[0]}: success`);
      expect(production.summary).toMatch(
        /- Promoted from staging: live there since \S+, checks passed at/,
      );
      expect(production.summary).toMatch(
        /\| Image \| staging \| production \|\n.*\n\| api \| `(sha256:[0-9a-f]{64})` \| `\1` \|/,
      );
      for (const path of [deployment.stagingSsmPath, deployment.ssmPath]) {
        expect(report.awsCalls).toContain(`AmazonSSM.GetParametersByPath ${path}`);
      }
      expect(await served(deployment.stagingUrl)).toEqual({ status: 200, release: tags[0] });
      expect(await served()).toEqual({ status: 200, release: tags[0] });
    });

    it('d. the Rollback workflow, run by hand with a release SHA, puts that release back in production and leaves staging alone', async () => {
      // A second release to roll back from: an empty commit, whose images are the first
      // release's under its tag (what its build would produce), so only the build is not rerun.
      await git(sourceRepo)`git commit -q --allow-empty -m ${'replay: a second release'}`;
      const secondSha = (await git(sourceRepo)`git rev-parse HEAD`).stdout.trim();
      tags.push(secondSha.slice(0, IMAGE_TAG_LENGTH));
      for (const repository of deployment.repositories) {
        await $({
          quiet: true,
        })`docker tag ${`${repository}:${tags[0]}`} ${`${repository}:${tags[1]}`}`;
      }
      const second = await replayWorkflow({
        workflow: 'deploy.yml',
        event: 'push',
        sourceRepo,
        fixture: deployment.fixture,
        assumePassed: [
          'ci/verify',
          'ci/images',
          'ci/rehearsal',
          'release:pnpm run release:build --cache gha',
        ],
        log,
        workDir: workDir(),
      });
      expect(second.result).toBe('success');
      expect(await served(deployment.stagingUrl)).toEqual({ status: 200, release: tags[1] });
      expect(await served()).toEqual({ status: 200, release: tags[1] });

      const rollback = await replayWorkflow({
        workflow: 'rollback.yml',
        event: 'workflow_dispatch',
        inputs: { sha: firstSha },
        sourceRepo,
        fixture: deployment.fixture,
        log,
        workDir: workDir(),
      });

      expect(rollback.result).toBe('success');
      const rolledBack = job(rollback, 'rollback');
      expect(rolledBack.environment).toEqual({ name: 'production', url: stack.proxyUrl });
      expect(rolledBack.summary).toContain(`Roll back production ${tags[0]}: success`);
      expect(await served()).toEqual({ status: 200, release: tags[0] });
      // Rolling production back leaves staging alone.
      expect(await served(deployment.stagingUrl)).toEqual({ status: 200, release: tags[1] });
    });

    it('e. the Rollback and Unlock workflows, run for staging, act on staging and leave production alone', async () => {
      const productionContainers = async () =>
        (
          await $({
            quiet: true,
          })`docker ps -q --no-trunc --filter ${`label=com.docker.compose.project=${deployment.app}-${tags[0]}`}`
        ).stdout
          .split('\n')
          .filter(Boolean)
          .sort();
      const before = await productionContainers();
      expect(before.length).toBeGreaterThan(0);

      const rollback = await replayWorkflow({
        workflow: 'rollback.yml',
        event: 'workflow_dispatch',
        inputs: { sha: firstSha, environment: 'staging' },
        sourceRepo,
        fixture: deployment.fixture,
        log,
        workDir: workDir(),
      });
      expect(rollback.result).toBe('success');
      const rolledBack = job(rollback, 'rollback');
      expect(rolledBack.environment).toEqual({ name: 'staging', url: deployment.stagingUrl });
      expect(rolledBack.summary).toContain(`Roll back staging ${tags[0]}: success`);
      expect(await served(deployment.stagingUrl)).toEqual({ status: 200, release: tags[0] });

      const unlock = await replayWorkflow({
        workflow: 'unlock.yml',
        event: 'workflow_dispatch',
        inputs: { environment: 'staging' },
        sourceRepo,
        fixture: deployment.fixture,
        log,
        workDir: workDir(),
      });
      expect(unlock.result).toBe('success');
      expect(job(unlock, 'unlock').environment?.name).toBe('staging');

      // Production's containers were neither restarted nor replaced.
      expect(await productionContainers()).toEqual(before);
      expect(await served()).toEqual({ status: 200, release: tags[0] });
    });
  });
});
