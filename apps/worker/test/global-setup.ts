import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { migrate } from '@starter/db';
import { globalSetup } from '@starter/testing';

const root = path.join(__dirname, '..');

/** The tests run the compiled worker (dist/main.js); an outdated build would test old code. */
function assertBuildIsCurrent(): void {
  const stale = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .filter((file) => {
      const compiled = path.join(root, 'dist', file.replace(/\.ts$/, '.js'));
      return (
        !existsSync(compiled) ||
        statSync(compiled).mtimeMs < statSync(path.join(root, 'src', file)).mtimeMs
      );
    });
  if (stale.length > 0) {
    throw new Error(
      `dist/ is older than src/ (${stale.join(', ')}): run \`pnpm --filter @starter/worker build\` ` +
        'first (turbo run test does it).',
    );
  }
}

const setupServices = globalSetup({ prepareTemplate: (url) => migrate({ url }) });

export default async function setup(): Promise<void> {
  assertBuildIsCurrent();
  await setupServices();
}
