import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';

/** What a `uses:` step is given and may change: the job's checkout and environment. */
export interface ActionRun {
  with: Record<string, string>;
  workspace: string;
  /** The repository the replay clones from (the commit under test lives there). */
  sourceRepo: string;
  /** The commit the event is about (github.sha), checked out when `ref` is empty. */
  sha: string;
  /** The URL an `origin` remote gets, as a GitHub checkout's would: server_url/repository. */
  originUrl: string;
  /** The local AWS stand-ins (SSM); every other AWS endpoint is the stand-in too, so it fails loudly. */
  aws: { endpoint: string };
  /** Variables exported to the steps after this one (as the real actions export them). */
  exportVariable(name: string, value: string): void;
}

export interface LocalAction {
  /** What the action does on GitHub and what the replay does instead: the README's table. */
  equivalent: string;
  /** The `with:` inputs it understands; any other input fails the replay naming it. */
  inputs: string[];
  run(action: ActionRun): Promise<void>;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

/** A fresh clone of one ref (a full SHA, a branch or a ref name) of a local repository. */
export async function cloneAt(
  workspace: string,
  sourceRepo: string,
  ref: string,
  { depth = 1, originUrl = sourceRepo }: { depth?: number; originUrl?: string } = {},
): Promise<void> {
  const git = $({ cwd: workspace, quiet: true });
  await git`git init -q`;
  await git`git remote add origin ${originUrl}`;
  // A commit is fetched by its SHA; a branch or tag name from the source repository's refs.
  const source = `file://${path.resolve(sourceRepo)}`;
  const refspec = FULL_SHA.test(ref) ? ref : ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  await git`git fetch -q --no-tags ${depth > 0 ? [`--depth=${depth}`] : []} ${source} ${refspec}`;
  await git`git checkout -q --detach FETCH_HEAD`;
}

async function checkout(action: ActionRun): Promise<void> {
  const depth = Number(action.with['fetch-depth'] ?? '1');
  if (!Number.isInteger(depth) || depth < 0) {
    throw new Error(`actions/checkout: fetch-depth must be a whole number, not ${depth}`);
  }
  await cloneAt(action.workspace, action.sourceRepo, action.with.ref || action.sha, {
    depth,
    originUrl: action.originUrl,
  });
}

function packageManagerVersion(workspace: string): string {
  const manifest = JSON.parse(readFileSync(path.join(workspace, 'package.json'), 'utf8')) as {
    packageManager?: string;
  };
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(manifest.packageManager ?? '');
  if (!match) throw new Error('pnpm/action-setup: package.json names no pnpm@x.y.z packageManager');
  return match[1]!;
}

async function setupPnpm(action: ActionRun): Promise<void> {
  const wanted = action.with.version || packageManagerVersion(action.workspace);
  const running = (await $({ cwd: action.workspace, quiet: true })`pnpm --version`).stdout.trim();
  if (running !== wanted) {
    throw new Error(
      `pnpm/action-setup: the workflow wants pnpm ${wanted}, this machine runs ${running}`,
    );
  }
}

function setupNode(action: ActionRun): Promise<void> {
  const versionFile = action.with['node-version-file'];
  const wanted =
    action.with['node-version'] ||
    (versionFile ? readFileSync(path.join(action.workspace, versionFile), 'utf8').trim() : '');
  if (!wanted) throw new Error('actions/setup-node: neither node-version nor node-version-file');
  const running = process.versions.node;
  const prefix = wanted.replace(/^v/, '');
  if (running !== prefix && !running.startsWith(`${prefix}.`)) {
    throw new Error(
      `actions/setup-node: the workflow wants Node ${wanted}, this machine runs ${running}`,
    );
  }
  return Promise.resolve();
}

async function configureAwsCredentials(action: ActionRun): Promise<void> {
  const region = action.with['aws-region'];
  if (!region) throw new Error('aws-actions/configure-aws-credentials: aws-region is empty');
  const variables = {
    AWS_ACCESS_KEY_ID: 'replay-access-key-id',
    AWS_SECRET_ACCESS_KEY: 'replay-secret-access-key',
    AWS_SESSION_TOKEN: 'replay-session-token',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENDPOINT_URL: action.aws.endpoint,
    AWS_ENDPOINT_URL_SSM: action.aws.endpoint,
  };
  for (const [name, value] of Object.entries(variables)) action.exportVariable(name, value);
  return Promise.resolve();
}

const noOp = () => Promise.resolve();

/**
 * The one table of `uses:` equivalents (the README's Workflows section shows it). An action not
 * listed here fails the replay naming it.
 */
export const LOCAL_ACTIONS: Record<string, LocalAction> = {
  'actions/checkout': {
    equivalent:
      'a fresh `git init` + `git fetch` of the ref (or github.sha) from the repository, `fetch-depth` honoured (0 = all history)',
    inputs: ['ref', 'fetch-depth', 'persist-credentials'],
    run: checkout,
  },
  'pnpm/action-setup': {
    equivalent: "the machine's pnpm, checked against package.json's packageManager (or `version`)",
    inputs: ['version'],
    run: setupPnpm,
  },
  'actions/setup-node': {
    equivalent:
      'the running Node, checked against `node-version` or `node-version-file`; `cache` is a no-op',
    inputs: ['node-version', 'node-version-file', 'cache'],
    run: setupNode,
  },
  'actions/cache': {
    equivalent: 'no-op (nothing restored, nothing saved)',
    inputs: ['path', 'key', 'restore-keys'],
    run: noOp,
  },
  'aws-actions/configure-aws-credentials': {
    equivalent:
      "test keys, `aws-region`, and AWS_ENDPOINT_URL(_SSM) pointing at the replay's local SSM stand-in",
    inputs: ['role-to-assume', 'aws-region'],
    run: configureAwsCredentials,
  },
  'docker/setup-buildx-action': {
    equivalent: "no-op: the machine's Docker builder",
    inputs: [],
    run: noOp,
  },
  'crazy-max/ghaction-github-runtime': {
    equivalent: 'no-op: no Actions cache service (BuildKit `type=gha` has nothing to read)',
    inputs: [],
    run: noOp,
  },
};

/** The table entry of `owner/name@ref`; fails naming an action or an input it does not know. */
export function localAction(uses: string, inputs: string[]): LocalAction {
  const name = uses.replace(/@.*$/, '');
  const action = Object.hasOwn(LOCAL_ACTIONS, name) ? LOCAL_ACTIONS[name] : undefined;
  if (!action) {
    throw new Error(`unknown action ${uses}: the replay has no local equivalent for ${name}`);
  }
  const unknown = inputs.filter((input) => !action.inputs.includes(input));
  if (unknown.length > 0) {
    throw new Error(`${name}: the replay does not support the input(s) ${unknown.join(', ')}`);
  }
  return action;
}
