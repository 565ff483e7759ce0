/**
 * The workflows and the scripts must agree: every flag a workflow passes is one the script parses,
 * every DEPLOY_* variable a workflow sets is a setting of the deploy config schema, and infra:deploy
 * prints exactly the GitHub variables and secrets the workflows read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deployEnvSchema, registryEnvSchema } from '@starter/config';
import { githubSettings } from '../src/infra/stack-config';
import { acceptedFlags, type Verb } from '../src/lib/cli';
import { type Job, type Step, type Workflow, REPO_ROOT, loadWorkflows } from './workflow-files';
import { rootScripts as readRootScripts, scriptEntryFile } from '../src/lib/workspace';

const workflows = loadWorkflows();
const rootScripts = readRootScripts();

interface Invocation {
  script: string;
  flags: string[];
}

/** `pnpm run X --a 1 --b` in a shell snippet, with the flags passed to X. */
function invocations(run: string): Invocation[] {
  return [...run.matchAll(/\bpnpm\s+(?:run\s+)?([A-Za-z][\w:-]*)([^\n;&|]*)/g)].map((match) => ({
    script: match[1] as string,
    flags: [...(match[2] as string).matchAll(/(?:^|\s)--([\w-]+)/g)].map((flag) => flag[1]!),
  }));
}

/** The verb spec a root script's file exports, or undefined for a script that parses no flags. */
function verbOf(script: string): Verb<Record<string, never>> | undefined {
  const file = scriptEntryFile(rootScripts[script] ?? '');
  if (!file) return undefined;
  const absolute = path.join(REPO_ROOT, file);
  // Only files that export a verb guard their main behind runMain; others run when imported.
  if (!readFileSync(absolute, 'utf8').includes('export const verb = {')) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file comes from package.json
  return (require(absolute) as { verb: Verb<Record<string, never>> }).verb;
}

/** The flags of `run` that its root scripts do not accept, as "script --flag". */
function unacceptedFlags(run: string): string[] {
  return invocations(run).flatMap(({ script, flags }) => {
    // pnpm's own commands (install) are not ours; workflows.spec checks every other name exists.
    if (flags.length === 0 || rootScripts[script] === undefined) return [];
    const verb = verbOf(script);
    const accepted = verb ? acceptedFlags(verb) : [];
    return flags.filter((flag) => !accepted.includes(flag)).map((flag) => `${script} --${flag}`);
  });
}

const steps = workflows.flatMap((workflow) =>
  Object.entries(workflow.jobs).flatMap(([jobId, job]) =>
    (job.steps ?? []).map((step) => ({ workflow, jobId, job, step })),
  ),
);

/** The environment a step's commands see: workflow, then job, then step `env`. */
function environmentOf(workflow: Workflow, job: Job, step: Step): Record<string, string> {
  const workflowEnv = (workflow as Workflow & { env?: Record<string, string> }).env;
  return { ...workflowEnv, ...job.env, ...step.env };
}

const schemaKeys = (schema: typeof deployEnvSchema | typeof registryEnvSchema) =>
  Object.keys(schema.in.shape);
/** The settings a schema cannot default: absent, the script fails at once. */
const requiredKeys = (schema: typeof deployEnvSchema | typeof registryEnvSchema) =>
  Object.entries(schema.in.shape as Record<string, { safeParse(value: unknown): unknown }>)
    .filter(([, field]) => !(field.safeParse(undefined) as { success: boolean }).success)
    .map(([key]) => key);

const HOST_VERBS = /\bpnpm run (deploy|rollback|promote|smoke|deploy:status|deploy:unlock)\b/;
const REGISTRY_VERBS = /\bpnpm run release:(build|push)\b/;
/** Read by the workflow's own command lines, not by the scripts' config. */
const WORKFLOW_ONLY = ['SHA', 'APP_URL', 'ENVIRONMENT'];

describe('workflow calls and the scripts they run', () => {
  it('pass only flags the scripts parse', () => {
    const calls = steps.flatMap(({ workflow, step }) =>
      step.run ? [{ file: workflow.file, run: step.run }] : [],
    );
    expect(calls.some(({ run }) => /release:build --cache/.test(run))).toBe(true);
    for (const { file, run } of calls) expect([file, unacceptedFlags(run)]).toEqual([file, []]);
  });

  it('would catch a flag a script does not parse, and any flag to a script without a parser', () => {
    expect(unacceptedFlags('pnpm run release:build --sha "$SHA" --cache gha')).toEqual([
      'release:build --sha',
    ]);
    expect(unacceptedFlags('pnpm run ci:summary --sha x --result y --url z --title T')).toEqual([]);
    expect(unacceptedFlags('pnpm run images:test --sha "$SHA"')).toEqual(['images:test --sha']);
  });

  it('set only DEPLOY_* settings of the config schema for deploy, rollback and unlock, and every required one', () => {
    const hostSteps = steps.filter(({ step }) => HOST_VERBS.test(step.run ?? ''));
    expect(hostSteps.map(({ workflow }) => workflow.file).sort()).toEqual([
      'deploy.yml',
      'deploy.yml',
      'deploy.yml',
      'promote.yml',
      'promote.yml',
      'rollback.yml',
      'unlock.yml',
      'unlock.yml',
    ]);
    const known = [...schemaKeys(registryEnvSchema), ...schemaKeys(deployEnvSchema)];
    for (const { workflow, job, step } of hostSteps) {
      const keys = Object.keys(environmentOf(workflow, job, step));
      const label = `${workflow.file} ${step.name}`;
      expect([
        label,
        keys.filter((key) => !known.includes(key) && !WORKFLOW_ONLY.includes(key)),
      ]).toEqual([label, []]);
      expect([label, keys]).toEqual([
        label,
        expect.arrayContaining([
          ...requiredKeys(registryEnvSchema),
          ...requiredKeys(deployEnvSchema),
          // CI pins the host key by content and reads the app's settings from SSM.
          'DEPLOY_KNOWN_HOSTS',
          'DEPLOY_SSM_PATH',
        ]),
      ]);
    }
  });

  it('set only registry settings for release:build and release:push', () => {
    const releaseSteps = steps.filter(({ step }) => REGISTRY_VERBS.test(step.run ?? ''));
    expect(releaseSteps.length).toBeGreaterThan(0);
    for (const { workflow, job, step } of releaseSteps) {
      const keys = Object.keys(environmentOf(workflow, job, step));
      const known = schemaKeys(registryEnvSchema);
      expect(keys.filter((key) => !known.includes(key) && !WORKFLOW_ONLY.includes(key))).toEqual(
        [],
      );
      expect(keys).toEqual(expect.arrayContaining(requiredKeys(registryEnvSchema)));
    }
  });

  it('write the deploy key, mode 600, to the file DEPLOY_SSH_KEY names', () => {
    for (const { workflow, job, step } of steps.filter(({ step }) =>
      HOST_VERBS.test(step.run ?? ''),
    )) {
      const keyFile = environmentOf(workflow, job, step).DEPLOY_SSH_KEY;
      const writer = job.steps?.find(
        (candidate) => candidate.env?.DEPLOY_SSH_PRIVATE_KEY !== undefined,
      );
      expect(writer?.env?.DEPLOY_SSH_KEY).toBe(keyFile);
      expect(writer?.run).toMatch(/umask 077 .*> "\$DEPLOY_SSH_KEY"/);
      expect(job.steps!.indexOf(writer!)).toBeLessThan(job.steps!.indexOf(step));
    }
  });
});

describe('infra:deploy and the workflows', () => {
  const deployWorkflows = workflows.filter(({ file }) => file !== 'ci.yml');
  const read = (kind: 'vars' | 'secrets') =>
    new Set(
      deployWorkflows.flatMap(({ text }) =>
        [...text.matchAll(new RegExp(`\\b${kind}\\.([A-Z_]+)`, 'g'))].map((match) => match[1]!),
      ),
    );
  const outputs = {
    AwsRegion: 'eu-west-1',
    BuildRoleArn: 'arn:aws:iam::111111111111:role/build',
    DeployRoleArn: 'arn:aws:iam::111111111111:role/deploy',
    EcrRegistry: '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
    SsmParameterPath: '/shop/production/',
    HostAddress: '203.0.113.10',
  };
  const printed = githubSettings(outputs, { appName: 'shop', repositoryPrefix: 'team/' });
  /** Read when set, with a default otherwise; infra:deploy has no value to print for them. */
  const OPTIONAL = [
    'APP_URL',
    'STAGING_URL',
    'DEPLOY_USER',
    'DEPLOY_PORT',
    'DEPLOY_DATA_SERVICES',
    'DEPLOY_PROMOTE_BAKE_SECONDS',
    // The domains are yours to choose (README, "Domains and certificates").
    'DEPLOY_TLS',
    'DEPLOY_DOMAINS',
    'DEPLOY_ACME_CA',
    'DEPLOY_ACME_EMAIL',
    'DEPLOY_LOAD_BALANCER_CIDRS',
  ];

  it('prints every variable and secret the deploy and rollback workflows read', () => {
    const names = (kind: string) =>
      printed.filter((setting) => setting.kind === kind).map(({ name }) => name);
    expect([...read('vars')].filter((name) => !OPTIONAL.includes(name)).sort()).toEqual(
      names('variable').sort(),
    );
    expect([...read('secrets')].sort()).toEqual(names('secret').sort());
  });
});
