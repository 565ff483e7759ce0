import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { scanRepository } from '../src/ci/secret-scan';
import { REPO_ROOT } from './workflow-files';

// Assembled at run time so that this file itself holds no secret-shaped text.
const planted = {
  id_ed25519: ['-----BEGIN OPENSSH ', 'PRIVATE KEY-----', '\nb3BlbnNzaC1rZXktdjEAAAAA\n'].join(''),
  'deploy.env': `AWS_ACCESS_KEY_ID=${'AKIA'}${'Q3EXAMPLEKEY7890'}\n`,
  'config.yml': `aws_secret_access_key: ${'wJalrXUtnFEMI/K7MDENG/'}${'bPxRfiCYEXAMPLEKEY'}\n`,
  'notes.md': `token: ${'ghp_'}${'a'.repeat(36)}\n`,
  'clean.ts': "export const region = 'eu-west-1';\n",
};

describe('secret scan', () => {
  let fixture: string;

  beforeAll(async () => {
    fixture = mkdtempSync(path.join(tmpdir(), 'secret-scan-'));
    for (const [file, content] of Object.entries(planted))
      writeFileSync(path.join(fixture, file), content);
    await $({ cwd: fixture, quiet: true })`git init -q`;
    await $({ cwd: fixture, quiet: true })`git add .`;
  });

  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('finds each planted secret, and nothing in the clean file', async () => {
    const findings = await scanRepository(fixture);
    expect(findings.sort((a, b) => a.file.localeCompare(b.file))).toEqual([
      { file: 'config.yml', line: 1, kind: 'AWS secret access key' },
      { file: 'deploy.env', line: 1, kind: 'AWS access key id' },
      { file: 'id_ed25519', line: 1, kind: 'private key' },
      { file: 'notes.md', line: 1, kind: 'GitHub token' },
    ]);
  });

  it('finds no secret in the files this repository tracks', async () => {
    await expect(scanRepository(REPO_ROOT)).resolves.toEqual([]);
  });
});
