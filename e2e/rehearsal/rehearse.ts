import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseVerbArgs, runMain } from '@starter/scripts/lib/cli';
import { clearSummaries, collectSummaries, formatSummary } from '@starter/scripts/lib/test-summary';
import { $ } from 'zx';

export const verb = {
  usage: 'pnpm rehearse [--story <name>] [--dry-run]',
  description: [
    'Runs the pipeline for real on this machine, with nothing but a Docker engine: starts a registry',
    'and an SSH deploy host (containers sharing the engine), then walks each story in',
    'e2e/rehearsal/*.story.ts with the verbs a user runs (release:build, release:push, deploy,',
    'rollback): the real app from a fresh clone, and fast fault cases with a fixture app.',
    'Ends with `N passed, N failed`.',
    '',
    '  --story <name>   only the stories whose file name matches (e.g. real-app, fixture-faults)',
    '  --dry-run        list the stories and their steps',
  ].join('\n'),
  options: { story: { type: 'string' } },
} as const;

const STORY_DIR = __dirname;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const stories = readdirSync(STORY_DIR)
    .filter((file) => file.endsWith('.story.ts') && file.includes(args.story ?? ''))
    .sort();
  if (args.dryRun) {
    for (const story of stories) {
      const steps = [
        ...readFileSync(path.join(STORY_DIR, story), 'utf8').matchAll(/^test\(\s*[`'](.+?)[`'],/gm),
      ];
      process.stdout.write(`[dry-run] ${story}\n${steps.map((step) => `  ${step[1]}\n`).join('')}`);
    }
    return;
  }
  clearSummaries([STORY_DIR]);
  const run = await $({
    cwd: STORY_DIR,
    nothrow: true,
    stdio: 'inherit',
  })`pnpm exec jest -c jest.config.js --runInBand ${stories}`;
  const counts = collectSummaries([STORY_DIR]);
  process.stdout.write(`\n${formatSummary(counts)}\n`);
  if (run.exitCode !== 0 || counts.missing.length > 0 || counts.failed > 0) {
    throw new Error('the rehearsal failed');
  }
});
