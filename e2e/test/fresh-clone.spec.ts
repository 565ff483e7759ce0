import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { $ } from 'zx';
import { rootScripts as readRootScripts, scriptEntryFile } from '@starter/scripts/lib/workspace';

/**
 * What a new user and every workflow job do: clone, `pnpm install --frozen-lockfile`, then run a
 * verb. No build step in between: each verb the README or a workflow names must work at once.
 */
const rootScripts = readRootScripts();

/** Root scripts that are verbs: a TypeScript entry point exporting its flags through parseVerbArgs. */
const verbs = Object.keys(rootScripts).filter((script) => {
  const file = scriptEntryFile(rootScripts[script]!);
  return (
    file !== undefined &&
    readFileSync(path.join(REPO_ROOT, file), 'utf8').includes('parseVerbArgs(')
  );
});

const workflowsDir = path.join(REPO_ROOT, '.github/workflows');
const documents = [
  readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'),
  ...readdirSync(workflowsDir).map((file) => readFileSync(path.join(workflowsDir, file), 'utf8')),
];
const named = new Set(
  documents.flatMap((text) =>
    [...text.matchAll(/\bpnpm\s+(?:run\s+)?([a-z][\w:-]*)/g)].map((match) => match[1]!),
  ),
);
const namedVerbs = verbs.filter((verb) => named.has(verb));

/** Settings that make every verb's configuration valid while pointing at nothing real. */
const PLACEHOLDER_SETTINGS = {
  DEPLOY_CONFIG_FILE: '/nonexistent/deploy.env',
  DEPLOY_REGISTRY: 'registry.invalid',
  DEPLOY_HOST: 'host.invalid',
  DEPLOY_SSH_KEY: '/nonexistent/key',
  DEPLOY_DOMAINS: 'app.invalid',
  DEPLOY_KNOWN_HOSTS: 'host.invalid ssh-ed25519 AAAA',
  DEPLOY_ENV_FILE: '/nonexistent/app.env',
};

let clone: string;
const run = (script: string, args: string[]) =>
  $({
    cwd: clone,
    nothrow: true,
    quiet: true,
    env: { ...process.env, ...PLACEHOLDER_SETTINGS },
  })`pnpm run --silent ${script} ${args}`;

beforeAll(async () => {
  clone = path.join(mkdtempSync(path.join(tmpdir(), 'fresh-clone-')), 'repo');
  await $({ quiet: true })`git clone -q ${REPO_ROOT} ${clone}`;
  await $({ cwd: clone, quiet: true })`pnpm install --frozen-lockfile --prefer-offline`;
}, 300_000);

afterAll(() => {
  if (clone) rmSync(path.dirname(clone), { recursive: true, force: true });
});

test('the README and the workflows name verbs, and they are found', () => {
  expect(namedVerbs).toEqual(
    expect.arrayContaining(['release:build', 'release:push', 'deploy', 'rollback', 'rehearse']),
  );
});

test.each(namedVerbs)(
  'pnpm run %s --help works right after the install',
  async (verb) => {
    const result = await run(verb, ['--help']);
    expect({ code: result.exitCode, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: pnpm/);
  },
  60_000,
);

test.each(
  [
    'release:build',
    'release:push',
    'deploy',
    'rollback',
    'deploy:status',
    'deploy:unlock',
    'rehearse',
  ].filter((verb) => namedVerbs.includes(verb)),
)(
  'pnpm run %s --dry-run prints its plan right after the install',
  async (verb) => {
    const result = await run(verb, ['--dry-run']);
    expect({ code: result.exitCode, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/dry-run/);
  },
  60_000,
);
