import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAppEnvironment } from '@starter/scripts/lib/app-secrets';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { jobOrder } from '../workflows/job-order';
import {
  checkExpression,
  evaluateCondition,
  evaluateExpression,
  loadExpressionEngine,
  toPlain,
} from '../workflows/expressions';
import { LOCAL_ACTIONS, localAction } from '../workflows/local-actions';
import {
  parseKeyValueFile,
  parsePathFile,
  parseWorkflowCommand,
  stepEnvironment,
} from '../workflows/runner-files';
import { eventContext, isAssumedPassed, preflight } from '../workflows/replay';
import { startSsmStandIn } from '../workflows/ssm-stand-in';
import { loadWorkflow } from '../workflows/workflow-model';

beforeAll(loadExpressionEngine);

describe('eventContext', () => {
  it("types a manual run's inputs and refuses a value a choice does not offer, as GitHub does", async () => {
    const rollback = await loadWorkflow(REPO_ROOT, '.github/workflows/rollback.yml');
    const sha = 'a'.repeat(40);
    expect(
      eventContext({ event: 'workflow_dispatch', inputs: { sha } }, rollback, sha).inputs,
    ).toEqual({ sha, environment: 'production' });
    expect(
      eventContext(
        { event: 'workflow_dispatch', inputs: { sha, environment: 'staging' } },
        rollback,
        sha,
      ).inputs,
    ).toEqual({ sha, environment: 'staging' });
    expect(() =>
      eventContext(
        { event: 'workflow_dispatch', inputs: { sha, environment: 'qa' } },
        rollback,
        sha,
      ),
    ).toThrow("rollback.yml's input environment is one of production, staging, not qa");
    expect(() => eventContext({ event: 'workflow_dispatch', inputs: {} }, rollback, sha)).toThrow(
      'rollback.yml needs the input sha',
    );
  });
});

describe('jobOrder', () => {
  it('runs a job only after every job it needs, keeping file order among ready jobs', () => {
    expect(
      jobOrder([
        { id: 'deploy', needs: ['release'] },
        { id: 'ci', needs: [] },
        { id: 'release', needs: ['ci'] },
        { id: 'not-configured', needs: ['ci'] },
        { id: 'lint', needs: [] },
      ]),
    ).toEqual(['ci', 'lint', 'release', 'not-configured', 'deploy']);
  });

  it('refuses an unknown need and a cycle, naming the jobs', () => {
    expect(() => jobOrder([{ id: 'a', needs: ['b'] }])).toThrow('job a needs unknown job(s): b');
    expect(() =>
      jobOrder([
        { id: 'a', needs: ['b'] },
        { id: 'b', needs: ['a'] },
        { id: 'c', needs: [] },
      ]),
    ).toThrow('the needs of jobs a, b form a cycle');
  });
});

describe('expressions', () => {
  const contexts = {
    github: { sha: 'abc', event_name: 'push' },
    inputs: { sha: '' },
    vars: { DEPLOY_HOST: 'example.com' },
    needs: { ci: { result: 'success', outputs: { tag: 't1' } } },
    steps: { deploy: { outcome: 'failure', outputs: {} } },
    runner: { temp: '/tmp/runner' },
  };
  const value = (expression: string) => toPlain(evaluateExpression(expression, contexts));

  it('reads the contexts, a missing property as empty, and the built-in functions', () => {
    expect(value('inputs.sha || github.sha')).toBe('abc');
    expect(value("vars.APP_URL || format('https://{0}', vars.DEPLOY_HOST)")).toBe(
      'https://example.com',
    );
    expect(value("vars.AWS_REGION == ''")).toBe(true);
    expect(value('needs.ci.outputs.tag')).toBe('t1');
    expect(value('steps.deploy.outcome')).toBe('failure');
    expect(value("format('{0}/deploy_key', runner.temp)")).toBe('/tmp/runner/deploy_key');
    expect(value("github.event_name == 'pull_request'")).toBe(false);
  });

  it('answers the status functions from the status it is given', () => {
    const failed = { success: false, failure: true };
    const passed = { success: true, failure: false };
    expect(evaluateCondition('success()', contexts, passed)).toBe(true);
    expect(evaluateCondition('success()', contexts, failed)).toBe(false);
    expect(evaluateCondition('failure()', contexts, failed)).toBe(true);
    expect(evaluateCondition('always()', contexts, failed)).toBe(true);
    expect(evaluateCondition('cancelled()', contexts, failed)).toBe(false);
    expect(evaluateCondition("success() && (vars.DEPLOY_HOST != '')", contexts, passed)).toBe(true);
  });

  it('refuses a context or function it does not provide, naming it', () => {
    expect(() => checkExpression('matrix.node')).toThrow("Unrecognized named-value: 'matrix'");
    expect(() => checkExpression('job.status')).toThrow("Unrecognized named-value: 'job'");
    expect(() => checkExpression("hashFiles('x')")).toThrow("Unrecognized function: 'hashFiles'");
    expect(() => checkExpression('toJSON(github)')).not.toThrow();
  });
});

describe('uses: mapping', () => {
  it('maps every action the workflows use, whatever the pinned ref', () => {
    for (const name of Object.keys(LOCAL_ACTIONS)) {
      expect(localAction(`${name}@0123456789abcdef0123456789abcdef01234567`, [])).toBe(
        LOCAL_ACTIONS[name],
      );
    }
  });

  it("is the README's table", () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split(
      '**Workflows, replayed.**',
    )[1]!;
    const rows = [...readme.matchAll(/^\| `([\w-]+\/[\w-]+)` +\|/gm)].map((row) => row[1]);
    expect(rows.sort()).toEqual(Object.keys(LOCAL_ACTIONS).sort());
  });

  it('refuses an unknown action and an input its equivalent does not honour', () => {
    expect(() => localAction('actions/upload-artifact@v4', [])).toThrow(
      'unknown action actions/upload-artifact@v4: the replay has no local equivalent for actions/upload-artifact',
    );
    expect(() => localAction('actions/checkout@v6', ['ref', 'path'])).toThrow(
      'actions/checkout: the replay does not support the input(s) path',
    );
    expect(() => localAction('toString@v1', [])).toThrow('unknown action toString@v1');
  });
});

describe('runner files and commands', () => {
  it('reads $GITHUB_OUTPUT and $GITHUB_ENV lines and heredocs', () => {
    expect(
      parseKeyValueFile(
        'tag=abc\nurl=https://x?a=b\nnotes<<EOF\nline 1\nline=2\nEOF\nempty=\n',
        'out',
      ),
    ).toEqual({ tag: 'abc', url: 'https://x?a=b', notes: 'line 1\nline=2', empty: '' });
    expect(() => parseKeyValueFile('body<<END\nno end', 'out')).toThrow(
      'out: no closing END for body',
    );
    expect(() => parseKeyValueFile('no equals sign', 'out')).toThrow('out: invalid line');
    expect(parsePathFile('/opt/a\n\n/opt/b\n')).toEqual(['/opt/a', '/opt/b']);
  });

  it('surfaces annotations and masks, unescaping their data', () => {
    expect(
      parseWorkflowCommand('::notice title=Deploy skipped::Set the variables%0Athen push'),
    ).toEqual({
      kind: 'annotation',
      level: 'notice',
      title: 'Deploy skipped',
      message: 'Set the variables\nthen push',
    });
    expect(parseWorkflowCommand('::error::boom')).toEqual({
      kind: 'annotation',
      level: 'error',
      message: 'boom',
    });
    expect(parseWorkflowCommand('::add-mask::s3cret')).toEqual({ kind: 'mask', value: 's3cret' });
    expect(parseWorkflowCommand('::group::Install')).toEqual({ kind: 'ignored', name: 'group' });
    expect(parseWorkflowCommand('plain output')).toBeUndefined();
  });

  it('layers the environment as GitHub does: env: blocks over $GITHUB_ENV, the runner variables over all', () => {
    expect(
      stepEnvironment({
        runner: { PATH: '/bin', HOME: '/home/r', SHARED: 'runner' },
        githubEnv: { SHARED: 'github-env', FROM_ENV_FILE: '1' },
        workflow: { SHARED: 'workflow', LEVEL: 'workflow' },
        job: { LEVEL: 'job', SHA: 'abc' },
        step: { SHA: 'step' },
        defaults: { GITHUB_SHA: 'abc', PATH: '/extra:/bin' },
      }),
    ).toEqual({
      PATH: '/extra:/bin',
      HOME: '/home/r',
      SHARED: 'workflow',
      FROM_ENV_FILE: '1',
      LEVEL: 'job',
      SHA: 'step',
      GITHUB_SHA: 'abc',
    });
  });
});

describe('isAssumedPassed', () => {
  const step = {
    id: '__run_4',
    name: 'Run pnpm test',
    run: { toString: () => 'pnpm test' } as never,
  };
  it('names a whole job, or one of its steps by id, name or command, and nothing else', () => {
    expect(isAssumedPassed(['ci/verify'], 'ci/verify', step)).toBe(true);
    expect(isAssumedPassed(['ci/verify:pnpm test'], 'ci/verify', step)).toBe(true);
    expect(isAssumedPassed(['ci/verify:Run pnpm test'], 'ci/verify', step)).toBe(true);
    expect(isAssumedPassed(['ci/verify:pnpm run lint'], 'ci/verify', step)).toBe(false);
    expect(isAssumedPassed(['ci/images'], 'ci/verify', step)).toBe(false);
    expect(isAssumedPassed(['ci'], 'ci/verify', step)).toBe(false);
  });
});

describe('the workflows of this repository', () => {
  const files = readdirSync(path.join(REPO_ROOT, '.github/workflows')).filter((file) =>
    /\.ya?ml$/.test(file),
  );

  it.each(files)(
    '%s can be replayed: every key, expression and action is supported',
    async (file) => {
      const workflow = await loadWorkflow(REPO_ROOT, `.github/workflows/${file}`);
      await expect(preflight(workflow)).resolves.toBeUndefined();
      expect(workflow.jobs.length).toBeGreaterThan(0);
    },
  );
});

describe('the SSM stand-in', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("answers the scripts' real SSM code path with the parameters directly under the path, and refuses any other call", async () => {
    const standIn = await startSsmStandIn({
      '/app/production/DATABASE_URL': 'postgres://app:secret@postgres:5432/app',
      '/app/production/REDIS_URL': 'redis://redis:6379',
      '/app/production/JWT_SECRET': 'a'.repeat(48),
      '/app/production/nested/IGNORED': 'x',
      '/other/production/JWT_SECRET': 'b'.repeat(48),
    });
    try {
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: 'replay-access-key-id',
        AWS_SECRET_ACCESS_KEY: 'replay-secret-access-key',
        AWS_ENDPOINT_URL_SSM: standIn.endpoint,
      });
      await expect(
        loadAppEnvironment({ source: 'ssm', path: '/app/production/' }, 'eu-west-1'),
      ).resolves.toEqual({
        DATABASE_URL: 'postgres://app:secret@postgres:5432/app',
        REDIS_URL: 'redis://redis:6379',
        JWT_SECRET: 'a'.repeat(48),
        NODE_ENV: 'production',
      });
      const other = await fetch(standIn.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSSM.PutParameter' },
        body: '{}',
      });
      expect(other.status).toBe(400);
      expect(standIn.calls).toEqual([
        'AmazonSSM.GetParametersByPath /app/production/',
        'AmazonSSM.PutParameter',
      ]);
    } finally {
      await standIn.stop();
    }
  });
});
