import { databaseEnvSchema, loadEnvOrExit } from '@starter/config';
import { databaseOptionsFromEnv } from '../data-source';
import { migrate } from '../migrate';

// The one-off migration command: `pnpm db:migrate` locally, `node dist/cli/migrate.js` in the
// app image before a release is switched on.
async function main(): Promise<void> {
  const env = loadEnvOrExit(databaseEnvSchema);
  const started = Date.now();
  await migrate(databaseOptionsFromEnv(env, 'migrate'), (message) =>
    console.log(`[migrate] ${message}`),
  );
  console.log(`[migrate] done in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  console.error('[migrate] failed:', error);
  process.exit(1);
});
