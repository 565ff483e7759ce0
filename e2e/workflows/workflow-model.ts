import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { ScalarToken } from '@actions/workflow-parser/templates/tokens/scalar-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type {
  EventsConfig,
  Job,
  ReusableWorkflowJob,
} from '@actions/workflow-parser/model/workflow-template';
import { actionsLibraries } from './actions-libraries';

/** `defaults.run` of a workflow or a job. */
export interface RunDefaults {
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
}

export interface ReplayStep {
  /** The step's `id`, or the parser's generated one (`__run`, `__actions_checkout`, …). */
  id: string;
  name: string;
  condition: string;
  run?: ScalarToken;
  uses?: string;
  with?: TemplateToken;
  env?: TemplateToken;
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
  continueOnError?: TemplateToken;
  timeoutMinutes?: TemplateToken;
}

interface BaseJob {
  id: string;
  name?: TemplateToken;
  needs: string[];
  condition: string;
}

export interface StepsJob extends BaseJob {
  kind: 'steps';
  env?: TemplateToken;
  defaults: RunDefaults;
  environment?: TemplateToken;
  outputs?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  steps: ReplayStep[];
}

export interface CallJob extends BaseJob {
  kind: 'call';
  /** `./.github/workflows/x.yml`: only local reusable workflows are replayed. */
  uses: string;
  with?: TemplateToken;
  secrets?: TemplateToken;
  inheritSecrets: boolean;
  workflow: ReplayWorkflow;
}

export type ReplayJob = StepsJob | CallJob;

export interface ReplayWorkflow {
  /** Path relative to the repository root, e.g. .github/workflows/deploy.yml. */
  file: string;
  name: string;
  /** The parsed file, every `${{ }}` of it as an expression token. */
  root: TemplateToken;
  events: EventsConfig;
  env?: TemplateToken;
  defaults: RunDefaults;
  jobs: ReplayJob[];
}

/** Keys a job or a step may have that the replay honours or deliberately records only. */
const JOB_KEYS = new Set([
  'name',
  'needs',
  'if',
  'runs-on',
  'timeout-minutes',
  'environment',
  'concurrency',
  'permissions',
  'env',
  'defaults',
  'steps',
  'outputs',
  'uses',
  'with',
  'secrets',
]);
const STEP_KEYS = new Set([
  'id',
  'name',
  'if',
  'run',
  'uses',
  'with',
  'env',
  'shell',
  'working-directory',
  'continue-on-error',
  'timeout-minutes',
]);
const WORKFLOW_KEYS = new Set([
  'name',
  'run-name',
  'on',
  'permissions',
  'concurrency',
  'env',
  'defaults',
  'jobs',
]);

export class UnsupportedWorkflowError extends Error {}

function keysOf(mapping: MappingToken): string[] {
  const keys: string[] = [];
  for (const { key } of mapping) keys.push(key.toString());
  return keys;
}

function refuseUnknownKeys(mapping: MappingToken, allowed: Set<string>, where: string): void {
  const unknown = keysOf(mapping).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw new UnsupportedWorkflowError(
      `${where}: the replay does not support ${unknown.map((key) => `\`${key}\``).join(', ')}`,
    );
  }
}

async function asMapping(token: TemplateToken | undefined): Promise<MappingToken | undefined> {
  const { parser } = await actionsLibraries();
  return token && parser.isMapping(token) ? token : undefined;
}

async function runDefaults(owner: MappingToken | undefined): Promise<RunDefaults> {
  const defaults = await asMapping(owner?.find('defaults'));
  const run = await asMapping(defaults?.find('run'));
  return { shell: run?.find('shell'), workingDirectory: run?.find('working-directory') };
}

/**
 * Reads a workflow with GitHub's parser (schema validation, `if:` normalisation, generated step
 * ids) and keeps, beside its model, the tokens the model leaves out (`with`, `shell`,
 * `working-directory`, `defaults`, `timeout-minutes`). Local reusable workflows are read the same
 * way, recursively.
 */
export async function loadWorkflow(repoDir: string, file: string): Promise<ReplayWorkflow> {
  const { parser } = await actionsLibraries();
  const content = readFileSync(path.join(repoDir, file), 'utf8');
  const parsed = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length > 0 || !parsed.value) {
    throw new UnsupportedWorkflowError(
      `${file} is not a valid workflow:\n${errors.map((error) => `  ${error.message}`).join('\n')}`,
    );
  }
  const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length) {
    throw new UnsupportedWorkflowError(
      `${file}: ${template.errors.map((error) => error.Message).join('; ')}`,
    );
  }
  const root = parsed.value.assertMapping(file);
  refuseUnknownKeys(root, WORKFLOW_KEYS, file);
  const rawJobs = root.find('jobs')!.assertMapping(`${file} jobs`);
  const jobs: ReplayJob[] = [];
  for (const job of template.jobs) {
    const id = job.id.value;
    const raw = rawJobs.find(id)!.assertMapping(`${file} job ${id}`);
    refuseUnknownKeys(raw, JOB_KEYS, `${file} job ${id}`);
    const base = {
      id,
      name: job.name,
      needs: (job.needs ?? []).map((need) => need.value),
      condition: job.if.expression,
    };
    jobs.push(
      job.type === 'reusableWorkflowJob'
        ? await callJob(repoDir, file, base, job, raw)
        : await stepsJob(file, base, job, raw),
    );
  }
  const name = root.find('name');
  return {
    file,
    name: name?.isScalar ? (name as ScalarToken).toString() : file,
    root,
    events: template.events,
    env: root.find('env'),
    defaults: await runDefaults(root),
    jobs,
  };
}

async function stepsJob(
  file: string,
  base: BaseJob,
  job: Job,
  raw: MappingToken,
): Promise<StepsJob> {
  const rawSteps = raw.find('steps')!.assertSequence(`${file} job ${base.id} steps`);
  const steps = job.steps.map((step, index): ReplayStep => {
    const where = `${file} job ${base.id} step ${index + 1}`;
    if (!('run' in step) && !('uses' in step)) {
      throw new UnsupportedWorkflowError(`${where}: only run and uses steps are replayed`);
    }
    const rawStep = rawSteps.get(index).assertMapping(where);
    refuseUnknownKeys(rawStep, STEP_KEYS, where);
    const uses = 'uses' in step ? step.uses.value : undefined;
    const run = 'run' in step ? step.run : undefined;
    return {
      id: step.id,
      name: step.name?.toString() ?? `Run ${uses ?? run!.toString()}`,
      condition: step.if.expression,
      run,
      uses,
      with: rawStep.find('with'),
      env: step.env,
      shell: rawStep.find('shell'),
      workingDirectory: rawStep.find('working-directory'),
      continueOnError: rawStep.find('continue-on-error'),
      timeoutMinutes: rawStep.find('timeout-minutes'),
    };
  });
  return {
    ...base,
    kind: 'steps',
    env: job.env,
    defaults: await runDefaults(raw),
    environment: job.environment,
    outputs: job.outputs,
    timeoutMinutes: raw.find('timeout-minutes'),
    steps,
  };
}

async function callJob(
  repoDir: string,
  file: string,
  base: BaseJob,
  job: ReusableWorkflowJob,
  raw: MappingToken,
): Promise<CallJob> {
  const uses = job.ref.value;
  if (!uses.startsWith('./')) {
    throw new UnsupportedWorkflowError(
      `${file} job ${base.id}: only local reusable workflows (./…) are replayed, not ${uses}`,
    );
  }
  const secrets = raw.find('secrets');
  return {
    ...base,
    kind: 'call',
    uses,
    with: raw.find('with'),
    secrets: secrets && !job['inherit-secrets'] ? secrets : undefined,
    inheritSecrets: job['inherit-secrets'] === true,
    workflow: await loadWorkflow(repoDir, uses.replace(/^\.\//, '')),
  };
}
