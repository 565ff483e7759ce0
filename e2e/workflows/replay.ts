import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { actionsLibraries } from './actions-libraries';
import {
  checkExpression,
  evaluateCondition,
  evaluateString,
  evaluateStringMap,
  evaluateToken,
  loadExpressionEngine,
  type Contexts,
  type Result,
  type Status,
} from './expressions';
import { jobOrder } from './job-order';
import { cloneAt, LOCAL_ACTIONS, localAction } from './local-actions';
import {
  parseKeyValueFile,
  parsePathFile,
  parseWorkflowCommand,
  stepEnvironment,
  type Annotation,
} from './runner-files';
import { startSsmStandIn } from './ssm-stand-in';
import {
  loadWorkflow,
  type ReplayJob,
  type ReplayStep,
  type ReplayWorkflow,
  type StepsJob,
} from './workflow-model';

export const REPLAY_EVENTS = ['push', 'workflow_dispatch', 'pull_request'] as const;
export type ReplayEvent = (typeof REPLAY_EVENTS)[number];

/** What GitHub would hold for the repository: its variables, secrets and AWS parameters. */
export interface ReplayFixture {
  /** github.repository (default replay/starter). */
  repository?: string;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** SSM Parameter Store as the stand-in serves it: full parameter name → value. */
  ssmParameters?: Record<string, string>;
  /**
   * The runner machine's own environment (a self-hosted runner's `.env`): settings no workflow
   * passes, such as where a rehearsal host keeps its releases.
   */
  runnerEnv?: Record<string, string>;
}

export interface ReplayOptions {
  /** A file of .github/workflows, e.g. deploy.yml, read from the commit replayed. */
  workflow: string;
  event: ReplayEvent;
  /** workflow_dispatch inputs. */
  inputs?: Record<string, string>;
  /** The repository holding the commit (default: this one). */
  sourceRepo: string;
  /** The commit the event is about (default: the source repository's HEAD). */
  sha?: string;
  /** The branch the event is on (default main). */
  branch?: string;
  fixture: ReplayFixture;
  /**
   * `run:` steps recorded as passed instead of run: every one of a job (`ci/images`) or one step
   * of it (`ci/verify:pnpm test`, by its id, name or command). Everything else runs as written.
   */
  assumePassed?: string[];
  dryRun?: boolean;
  /** Where the clones, logs and runner files go (default: a new temporary directory). */
  workDir?: string;
  log?: (line: string) => void;
}

export interface StepReport {
  id: string;
  name: string;
  outcome: Result;
  conclusion: Result;
  /** A `run:` step of a job named in assumePassed: recorded as passed, not run. */
  assumed: boolean;
  seconds: number;
  outputs: Record<string, string>;
  log?: string;
}

export interface JobReport {
  /** `deploy`, or `ci/verify` for a job of a called workflow. */
  key: string;
  name: string;
  result: Result;
  outputs: Record<string, string>;
  steps: StepReport[];
  environment?: { name: string; url: string };
  summary: string;
}

export interface ReplayReport {
  workflow: string;
  event: ReplayEvent;
  sha: string;
  result: Result;
  jobs: JobReport[];
  annotations: (Annotation & { job: string; step: string })[];
  /** The AWS calls the stand-in answered. */
  awsCalls: string[];
  plan: string[];
  workDir: string;
}

/** The machine variables a step inherits; the rest of the caller's environment stays out. */
const RUNNER_VARIABLES =
  /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TZ|TMPDIR|DOCKER_[A-Z_]+|TESTCONTAINERS_[A-Z_]+)$/;

const SHELLS: Record<string, string[]> = {
  bash: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '{0}'],
  sh: ['sh', '-e', '{0}'],
};
const DEFAULT_SHELL = ['bash', '-e', '{0}'];

export class ReplayError extends Error {}

interface ScalarLike {
  toString(): string;
}

interface Run {
  options: ReplayOptions;
  workDir: string;
  github: Record<string, unknown>;
  runnerBase: Record<string, string>;
  awsEndpoint: string;
  report: ReplayReport;
  log: (line: string) => void;
  masks: string[];
}

interface Scope {
  workflow: ReplayWorkflow;
  keyPrefix: string;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
}

function commandLine(shell: string | undefined, script: string): string[] {
  const template =
    shell === undefined
      ? DEFAULT_SHELL
      : (SHELLS[shell] ?? (shell.includes('{0}') ? shell.split(/\s+/) : undefined));
  if (!template)
    throw new ReplayError(
      `shell ${shell} is not supported by the replay (bash, sh, or a command with {0})`,
    );
  return template.map((part) => part.replace('{0}', script));
}

/** A step's name on one short line: a `run:` step is named by its whole script. */
function shortName(name: string): string {
  const line = name.split('\n')[0]!;
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

function mask(text: string, masks: string[]): string {
  return masks.reduce((masked, secret) => masked.split(secret).join('***'), text);
}

/** Every expression, `uses:` and reusable workflow of a workflow, checked before any job runs. */
export async function preflight(workflow: ReplayWorkflow): Promise<void> {
  const { parser } = await actionsLibraries();
  const { TemplateToken } =
    await import('@actions/workflow-parser/templates/tokens/template-token');
  for (const [, token] of TemplateToken.traverse(workflow.root)) {
    if (parser.isBasicExpression(token)) checkExpression(token.expression);
  }
  for (const job of workflow.jobs) {
    checkExpression(job.condition);
    if (job.kind === 'call') {
      await preflight(job.workflow);
      continue;
    }
    for (const step of job.steps) {
      checkExpression(step.condition);
      const shell = step.shell ?? job.defaults.shell ?? workflow.defaults.shell;
      if (step.run && shell && parser.isString(shell)) commandLine(shell.value, 'script');
      if (step.uses) {
        const inputs =
          step.with && parser.isMapping(step.with)
            ? [...step.with].map(({ key }) => key.toString())
            : [];
        localAction(step.uses, inputs);
      }
    }
  }
}

function stepsJobs(workflow: ReplayWorkflow, prefix = ''): [string, StepsJob][] {
  return workflow.jobs.flatMap((job): [string, StepsJob][] =>
    job.kind === 'call'
      ? stepsJobs(job.workflow, `${prefix}${job.id}/`)
      : [[`${prefix}${job.id}`, job]],
  );
}

/** Whether `assumePassed` names this step, by its job, or by its job and its id, name or command. */
export function isAssumedPassed(
  assumePassed: string[],
  key: string,
  step: Pick<ReplayStep, 'id' | 'name' | 'run'>,
): boolean {
  return assumePassed.some((entry) => {
    if (entry === key) return true;
    if (!entry.startsWith(`${key}:`)) return false;
    const selector = entry.slice(key.length + 1);
    return selector === step.id || selector === step.name || selector === step.run?.toString();
  });
}

function refuseUnknownAssumptions(workflow: ReplayWorkflow, assumePassed: string[]): void {
  const jobs = stepsJobs(workflow);
  const unknown = assumePassed.filter(
    (entry) =>
      !jobs.some(([key, job]) =>
        job.steps.some((step) => step.run && isAssumedPassed([entry], key, step)),
      ),
  );
  if (unknown.length > 0) {
    throw new ReplayError(
      `--assume-passed names no run: step of ${workflow.file}: ${unknown.join(', ')} (jobs: ${jobs.map(([key]) => key).join(', ')})`,
    );
  }
}

function planOf(workflow: ReplayWorkflow, assumed: string[], prefix = ''): string[] {
  const lines: string[] = [];
  for (const id of jobOrder(workflow.jobs)) {
    const job = workflow.jobs.find((candidate) => candidate.id === id)!;
    const key = `${prefix}${id}`;
    const needs = job.needs.length ? ` (needs ${job.needs.join(', ')})` : '';
    lines.push(`job ${key}${needs} if ${job.condition}`);
    if (job.kind === 'call') {
      lines.push(`  calls ${job.uses}`);
      lines.push(...planOf(job.workflow, assumed, `${key}/`).map((line) => `  ${line}`));
      continue;
    }
    for (const step of job.steps) {
      const what = step.uses
        ? `uses ${step.uses.replace(/@.*/, '')}: ${LOCAL_ACTIONS[step.uses.replace(/@.*/, '')]!.equivalent}`
        : `run ${isAssumedPassed(assumed, key, step) ? '(assumed passed) ' : ''}${step.run!.toString().split('\n')[0]}`;
      lines.push(
        `  step ${step.name}${step.condition === 'success()' ? '' : ` if ${step.condition}`}: ${what}`,
      );
    }
  }
  return lines;
}

/** The event's ref, inputs and payload, as GitHub would send them; refuses what it would refuse. */
export function eventContext(
  options: Pick<ReplayOptions, 'event' | 'inputs' | 'branch'>,
  workflow: ReplayWorkflow,
  sha: string,
) {
  const branch = options.branch ?? 'main';
  const events = workflow.events;
  const accepted = events[options.event];
  if (accepted === undefined) {
    throw new ReplayError(
      `${workflow.file} does not run on ${options.event} (on: ${Object.keys(events).join(', ')})`,
    );
  }
  if (options.event === 'push') {
    const branches = events.push?.branches;
    if (branches && !branches.includes(branch)) {
      throw new ReplayError(
        `${workflow.file} does not run on a push to ${branch} (branches: ${branches.join(', ')})`,
      );
    }
    return {
      ref: `refs/heads/${branch}`,
      inputs: {},
      event: { ref: `refs/heads/${branch}`, after: sha, head_commit: { id: sha } },
    };
  }
  if (options.event === 'pull_request') {
    return {
      ref: 'refs/pull/1/merge',
      inputs: {},
      event: { number: 1, pull_request: { number: 1, head: { sha } } },
    };
  }
  const definitions = events.workflow_dispatch?.inputs ?? {};
  const given = options.inputs ?? {};
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(definitions, name));
  if (unknown.length > 0)
    throw new ReplayError(`${workflow.file} has no input(s) ${unknown.join(', ')}`);
  const inputs: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const value =
      given[name] ?? (definition.default === undefined ? undefined : String(definition.default));
    if (value === undefined || (definition.required && value === '')) {
      if (definition.required) throw new ReplayError(`${workflow.file} needs the input ${name}`);
    }
    // GitHub offers only the options of a choice, and refuses any other value through the API.
    const options = (definition as { options?: unknown[] }).options?.map(String);
    if (String(definition.type) === 'choice' && value !== undefined && !options?.includes(value))
      throw new ReplayError(
        `${workflow.file}'s input ${name} is one of ${options?.join(', ')}, not ${value}`,
      );
    inputs[name] = String(definition.type) === 'boolean' ? value === 'true' : (value ?? '');
  }
  return { ref: `refs/heads/${branch}`, inputs, event: { ref: `refs/heads/${branch}`, inputs } };
}

/** Inputs of a called workflow: the caller's `with:`, typed and defaulted by `on.workflow_call`. */
function callInputs(
  workflow: ReplayWorkflow,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const definitions = workflow.events.workflow_call?.inputs ?? {};
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(definitions, name));
  if (unknown.length > 0)
    throw new ReplayError(`${workflow.file} has no input(s) ${unknown.join(', ')}`);
  const inputs: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    // A default the parser kept as a token (an expression) reads as its text.
    const fallback = definition.default as unknown;
    const value =
      given[name] ??
      (typeof fallback === 'object' && fallback ? (fallback as ScalarLike).toString() : fallback);
    if (value === undefined && definition.required)
      throw new ReplayError(`${workflow.file} needs the input ${name}`);
    const type = String(definition.type);
    inputs[name] = value ?? (type === 'boolean' ? false : type === 'number' ? 0 : '');
  }
  return inputs;
}

/**
 * Replays a workflow from its YAML: jobs in `needs` order, each in a fresh clone, every `run:`
 * step with its env, shell and working directory, `uses:` steps through LOCAL_ACTIONS.
 */
export async function replayWorkflow(options: ReplayOptions): Promise<ReplayReport> {
  await loadExpressionEngine();
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const workDir = options.workDir ?? mkdtempSync(path.join(tmpdir(), 'workflow-replay-'));
  mkdirSync(workDir, { recursive: true });
  const sha =
    options.sha ??
    (await $({ cwd: options.sourceRepo, quiet: true })`git rev-parse HEAD`).stdout.trim();
  // The workflow is read from the commit replayed, as GitHub reads it.
  const definitions = path.join(workDir, 'definitions');
  mkdirSync(definitions);
  await cloneAt(definitions, options.sourceRepo, sha);
  const file = path.posix.join('.github/workflows', options.workflow);
  if (!existsSync(path.join(definitions, file)))
    throw new ReplayError(`${file} does not exist at ${sha}`);
  const workflow = await loadWorkflow(definitions, file);
  await preflight(workflow);
  const assumed = options.assumePassed ?? [];
  refuseUnknownAssumptions(workflow, assumed);
  const { ref, inputs, event } = eventContext(options, workflow, sha);
  const repository = options.fixture.repository ?? 'replay/starter';
  const report: ReplayReport = {
    workflow: file,
    event: options.event,
    sha,
    result: 'success',
    jobs: [],
    annotations: [],
    awsCalls: [],
    plan: planOf(workflow, assumed),
    workDir,
  };
  if (options.dryRun) return report;

  const runnerBase = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] =>
          RUNNER_VARIABLES.test(entry[0]) && entry[1] !== undefined,
      ),
    ),
    ...options.fixture.runnerEnv,
  };
  const ssm = await startSsmStandIn(options.fixture.ssmParameters ?? {});
  const run: Run = {
    options,
    workDir,
    log,
    runnerBase,
    awsEndpoint: ssm.endpoint,
    report,
    masks: Object.values(options.fixture.secrets).filter((secret) => secret.length >= 4),
    github: {
      event_name: options.event,
      event,
      sha,
      ref,
      ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
      ref_type: 'branch',
      repository,
      repository_owner: repository.split('/')[0],
      run_id: String(randomInt(1e9, 1e10)),
      run_number: '1',
      run_attempt: '1',
      actor: 'replay',
      triggering_actor: 'replay',
      server_url: 'https://github.com',
      api_url: 'https://api.github.com',
      workflow: workflow.name,
    },
  };
  try {
    await runJobs(run, { workflow, keyPrefix: '', inputs, secrets: options.fixture.secrets });
  } finally {
    report.awsCalls = ssm.calls;
    await ssm.stop();
  }
  report.result = report.jobs.some((job) => job.result === 'failure') ? 'failure' : 'success';
  return report;
}

function ancestors(workflow: ReplayWorkflow, job: ReplayJob): string[] {
  const found = new Set<string>();
  const visit = (id: string) => {
    for (const need of workflow.jobs.find((candidate) => candidate.id === id)!.needs) {
      if (!found.has(need)) {
        found.add(need);
        visit(need);
      }
    }
  };
  visit(job.id);
  return [...found];
}

async function runJobs(
  run: Run,
  scope: Scope,
): Promise<Map<string, { result: Result; outputs: Record<string, string> }>> {
  const results = new Map<string, { result: Result; outputs: Record<string, string> }>();
  for (const id of jobOrder(scope.workflow.jobs)) {
    const job = scope.workflow.jobs.find((candidate) => candidate.id === id)!;
    const key = `${scope.keyPrefix}${id}`;
    const needs = Object.fromEntries(job.needs.map((need) => [need, results.get(need)!]));
    const status: Status = {
      success: job.needs.every((need) => results.get(need)!.result === 'success'),
      failure: ancestors(scope.workflow, job).some(
        (need) => results.get(need)!.result === 'failure',
      ),
    };
    const contexts: Contexts = {
      github: run.github,
      inputs: scope.inputs,
      vars: run.options.fixture.vars,
      secrets: scope.secrets,
      needs,
    };
    const name = evaluateString(job.name, contexts) ?? id;
    if (!evaluateCondition(job.condition, contexts, status)) {
      run.log(`⊘ ${key}: skipped (if ${job.condition})`);
      results.set(id, { result: 'skipped', outputs: {} });
      run.report.jobs.push({ key, name, result: 'skipped', outputs: {}, steps: [], summary: '' });
      continue;
    }
    if (job.kind === 'call') {
      const given = job.with ? (evaluateToken(job.with, contexts) as Record<string, unknown>) : {};
      const secrets = job.inheritSecrets
        ? scope.secrets
        : job.secrets
          ? evaluateStringMap(job.secrets, contexts)
          : {};
      run.log(`▶ ${key}: calls ${job.uses}`);
      const inner = await runJobs(run, {
        workflow: job.workflow,
        keyPrefix: `${key}/`,
        inputs: callInputs(job.workflow, given),
        secrets,
      });
      const innerResults = [...inner.values()].map((entry) => entry.result);
      const result: Result = innerResults.includes('failure') ? 'failure' : 'success';
      results.set(id, { result, outputs: {} });
      run.report.jobs.push({ key, name, result, outputs: {}, steps: [], summary: '' });
      continue;
    }
    const report = await runStepsJob(run, scope, job, key, name, contexts);
    results.set(id, { result: report.result, outputs: report.outputs });
  }
  return results;
}

async function runStepsJob(
  run: Run,
  scope: Scope,
  job: StepsJob,
  key: string,
  name: string,
  jobContexts: Contexts,
): Promise<JobReport> {
  const started = Date.now();
  const jobDir = mkdtempSync(path.join(run.workDir, `${key.replace(/\//g, '-')}-`));
  const workspace = path.join(jobDir, 'workspace');
  const temp = path.join(jobDir, 'temp');
  mkdirSync(workspace);
  mkdirSync(temp);
  const github = { ...run.github, job: job.id, workspace };
  const runner = {
    os: 'Linux',
    arch: 'X64',
    name: 'replay',
    environment: 'self-hosted',
    temp,
    tool_cache: path.join(jobDir, 'tool-cache'),
  };
  const base: Contexts = { ...jobContexts, github, runner };
  const workflowEnv = evaluateStringMap(scope.workflow.env, base);
  const jobEnv = evaluateStringMap(job.env, { ...base, env: workflowEnv });
  const githubEnv: Record<string, string> = {};
  const extraPath: string[] = [];
  const steps: Record<
    string,
    { outcome: Result; conclusion: Result; outputs: Record<string, string> }
  > = {};
  const report: JobReport = { key, name, result: 'success', outputs: {}, steps: [], summary: '' };
  run.report.jobs.push(report);
  const timeoutMinutes = Number(evaluateString(job.timeoutMinutes, base) || '360');
  const deadline = started + timeoutMinutes * 60_000;
  const eventPath = path.join(temp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(run.github.event));
  let failed = false;
  run.log(`▶ ${key}: ${name}`);
  for (const [index, step] of job.steps.entries()) {
    const env = { ...githubEnv, ...workflowEnv, ...jobEnv };
    const contexts: Contexts = { ...base, env, steps };
    const stepStarted = Date.now();
    const record = (
      outcome: Result,
      conclusion: Result,
      outputs: Record<string, string>,
      assumed: boolean,
      log?: string,
    ) => {
      if (!step.id.startsWith('__')) steps[step.id] = { outcome, conclusion, outputs };
      const seconds = (Date.now() - stepStarted) / 1000;
      report.steps.push({
        id: step.id,
        name: step.name,
        outcome,
        conclusion,
        assumed,
        seconds,
        outputs,
        log,
      });
      const mark = { success: '✓', failure: '✗', skipped: '⊘', cancelled: '⊘' }[conclusion];
      run.log(
        `  ${mark} ${shortName(step.name)}${assumed ? ' (assumed passed)' : ''}: ${outcome} ${seconds.toFixed(1)} s`,
      );
    };
    if (!evaluateCondition(step.condition, contexts, { success: !failed, failure: failed })) {
      record('skipped', 'skipped', {}, false);
      continue;
    }
    const stepEnv = evaluateStringMap(step.env, contexts);
    const files = {
      GITHUB_OUTPUT: path.join(temp, `output-${index}`),
      GITHUB_ENV: path.join(temp, `env-${index}`),
      GITHUB_PATH: path.join(temp, `path-${index}`),
      GITHUB_STEP_SUMMARY: path.join(temp, `summary-${index}`),
    };
    for (const target of Object.values(files)) writeFileSync(target, '');
    let outcome: Result = 'success';
    let assumed = false;
    const logFile = path.join(jobDir, `step-${index + 1}.log`);
    if (step.uses) {
      const withInputs = evaluateStringMap(step.with, { ...contexts, env: { ...env, ...stepEnv } });
      const action = localAction(step.uses, Object.keys(withInputs));
      try {
        await action.run({
          with: withInputs,
          workspace,
          sourceRepo: run.options.sourceRepo,
          sha: String(run.github.sha),
          originUrl: `${String(run.github.server_url)}/${String(run.github.repository)}`,
          aws: { endpoint: run.awsEndpoint },
          exportVariable: (variable, value) => {
            githubEnv[variable] = value;
          },
        });
      } catch (error) {
        outcome = 'failure';
        writeFileSync(logFile, `${error instanceof Error ? error.message : String(error)}\n`);
        run.log(`    ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (isAssumedPassed(run.options.assumePassed ?? [], key, step)) {
      assumed = true;
    } else {
      const stepContexts: Contexts = { ...contexts, env: { ...env, ...stepEnv } };
      const script = evaluateString(step.run, stepContexts)!;
      const shell = evaluateString(
        step.shell ?? job.defaults.shell ?? scope.workflow.defaults.shell,
        stepContexts,
      );
      const workingDirectory = evaluateString(
        step.workingDirectory ??
          job.defaults.workingDirectory ??
          scope.workflow.defaults.workingDirectory,
        stepContexts,
      );
      const scriptFile = path.join(temp, `step-${index + 1}.sh`);
      writeFileSync(scriptFile, script);
      const environment = stepEnvironment({
        runner: run.runnerBase,
        githubEnv,
        workflow: workflowEnv,
        job: jobEnv,
        step: stepEnv,
        defaults: {
          ...runnerVariables(github, runner, eventPath, step),
          ...files,
          PATH: [...extraPath, run.runnerBase.PATH ?? ''].join(':'),
        },
      });
      const exitCode = await execute(run, commandLine(shell, scriptFile), {
        cwd: path.resolve(workspace, workingDirectory ?? '.'),
        env: environment,
        logFile,
        timeoutMs: deadline - Date.now(),
        onCommand: (line) => annotate(run, key, step, line),
      });
      outcome = exitCode === 0 ? 'success' : 'failure';
      if (outcome === 'failure') run.log(tail(logFile, run.masks));
    }
    const outputs = parseKeyValueFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT');
    Object.assign(
      githubEnv,
      parseKeyValueFile(readFileSync(files.GITHUB_ENV, 'utf8'), 'GITHUB_ENV'),
    );
    extraPath.unshift(...parsePathFile(readFileSync(files.GITHUB_PATH, 'utf8')).reverse());
    report.summary += readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    const continueOnError = evaluateString(step.continueOnError, contexts) === 'true';
    const conclusion = outcome === 'failure' && continueOnError ? 'success' : outcome;
    if (conclusion === 'failure') failed = true;
    record(outcome, conclusion, outputs, assumed, existsSync(logFile) ? logFile : undefined);
  }
  const endContexts: Contexts = {
    ...base,
    env: { ...githubEnv, ...workflowEnv, ...jobEnv },
    steps,
  };
  report.outputs = evaluateStringMap(job.outputs, endContexts);
  if (job.environment) {
    const environment = evaluateToken(job.environment, endContexts);
    report.environment =
      typeof environment === 'string'
        ? { name: environment, url: '' }
        : {
            name: String((environment as { name?: string }).name ?? ''),
            url: String((environment as { url?: string }).url ?? ''),
          };
  }
  report.result = failed ? 'failure' : 'success';
  run.log(
    `${failed ? '✗' : '✓'} ${key}: ${report.result} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return report;
}

function runnerVariables(
  github: Record<string, unknown>,
  runner: Record<string, string>,
  eventPath: string,
  step: ReplayStep,
): Record<string, string> {
  const value = (name: string) => {
    const field = github[name];
    return typeof field === 'string' ? field : '';
  };
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: step.id,
    GITHUB_ACTOR: value('actor'),
    GITHUB_API_URL: value('api_url'),
    GITHUB_EVENT_NAME: value('event_name'),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_JOB: value('job'),
    GITHUB_REF: value('ref'),
    GITHUB_REF_NAME: value('ref_name'),
    GITHUB_REF_TYPE: value('ref_type'),
    GITHUB_REPOSITORY: value('repository'),
    GITHUB_REPOSITORY_OWNER: value('repository_owner'),
    GITHUB_RUN_ATTEMPT: value('run_attempt'),
    GITHUB_RUN_ID: value('run_id'),
    GITHUB_RUN_NUMBER: value('run_number'),
    GITHUB_SERVER_URL: value('server_url'),
    GITHUB_SHA: value('sha'),
    GITHUB_WORKFLOW: value('workflow'),
    GITHUB_WORKSPACE: value('workspace'),
    RUNNER_ARCH: runner.arch!,
    RUNNER_NAME: runner.name!,
    RUNNER_OS: runner.os!,
    RUNNER_TEMP: runner.temp!,
    RUNNER_TOOL_CACHE: runner.tool_cache!,
  };
}

function annotate(run: Run, job: string, step: ReplayStep, line: string): void {
  const command = parseWorkflowCommand(line);
  if (command?.kind === 'mask') run.masks.push(command.value);
  if (command?.kind !== 'annotation') return;
  const { level, title, message } = command;
  const annotation: Annotation = { level, message, ...(title ? { title } : {}) };
  run.report.annotations.push({ ...annotation, job, step: step.name });
  run.log(
    `    ${annotation.level}${annotation.title ? ` (${annotation.title})` : ''}: ${mask(annotation.message, run.masks)}`,
  );
}

function tail(logFile: string, masks: string[], lines = 40): string {
  const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  return mask(
    text
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((line) => `    | ${line}`)
      .join('\n'),
    masks,
  );
}

// Steps run in process groups of their own (so a timeout ends everything they started); these
// are ended with the replay's process, which would otherwise leave them running.
const runningSteps = new Set<number>();
function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
process.on('exit', () => runningSteps.forEach(killGroup));

/** Runs one step's command line, its output (secrets masked) in its log file; resolves its exit code. */
function execute(
  run: Run,
  argv: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    logFile: string;
    timeoutMs: number;
    onCommand: (line: string) => void;
  },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runningSteps.add(child.pid!);
    const logStream = createWriteStream(options.logFile);
    const timer = setTimeout(
      () => {
        logStream.write(`\nThe job ran longer than its timeout-minutes: killed\n`);
        killGroup(child.pid!);
      },
      Math.max(options.timeoutMs, 0),
    );
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          options.onCommand(line);
          logStream.write(`${mask(line, run.masks)}\n`);
        }
      });
      stream.on('end', () => {
        if (partial) {
          options.onCommand(partial);
          logStream.write(`${mask(partial, run.masks)}\n`);
        }
      });
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      runningSteps.delete(child.pid!);
      logStream.end(() => resolve(code ?? (signal ? 128 : 1)));
    });
  });
}
