/**
 * pnpm run secrets:scan — fails when a tracked file holds a credential: private keys, AWS access
 * keys and secret keys, GitHub tokens. Runs in the test suite, so CI refuses a leaked secret.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';

export const SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: 'private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  {
    name: 'AWS secret access key',
    pattern: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i,
  },
  { name: 'GitHub token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b/ },
  { name: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{82}\b/ },
];

export interface SecretFinding {
  file: string;
  line: number;
  kind: string;
}

export function scanText(file: string, text: string): SecretFinding[] {
  return text.split('\n').flatMap((content, index) =>
    SECRET_PATTERNS.filter(({ pattern }) => pattern.test(content)).map(({ name }) => ({
      file,
      line: index + 1,
      kind: name,
    })),
  );
}

/** Scans the files git tracks under `root` (never the values found: they are secrets). */
export async function scanRepository(root: string): Promise<SecretFinding[]> {
  const listed = await $({ cwd: root, quiet: true })`git ls-files -z`;
  return listed.stdout
    .split('\0')
    .filter(Boolean)
    .flatMap((file) => {
      const content = readFileSync(path.join(root, file));
      // Binary files (images, archives) hold no text credentials worth matching.
      return content.includes(0) ? [] : scanText(file, content.toString('utf8'));
    });
}

if (require.main === module) {
  scanRepository(process.cwd())
    .then((findings) => {
      for (const { file, line, kind } of findings) console.error(`${file}:${line}: ${kind}`);
      if (findings.length > 0) {
        console.error(
          `secrets:scan: ${findings.length} possible secret(s); remove and rotate them.`,
        );
        process.exitCode = 1;
      } else {
        console.log('secrets:scan: no secrets in tracked files.');
      }
    })
    .catch((error: unknown) => {
      console.error(
        `secrets:scan failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    });
}
