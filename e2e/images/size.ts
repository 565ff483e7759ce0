import { parseVerbArgs, runMain } from '@starter/scripts/lib/cli';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { formatSizeReport, withinBudget } from './image-budget';
import { measureImages } from './image-sizes';

export const verb = {
  usage: 'pnpm images:size [--tag <tag>]',
  description: [
    "Both images' sizes and their growth over the base image; exits 1 when one is over its budget.",
    '',
    '  --tag <tag>   the images to measure (default: IMAGE_TAG, else `local`, what',
    '                `docker compose up --build` builds)',
  ].join('\n'),
  options: { tag: { type: 'string' } },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const rows = await measureImages(REPO_ROOT, args.tag ?? process.env.IMAGE_TAG ?? 'local');
  console.log(formatSizeReport(rows));
  if (!rows.every(withinBudget)) throw new Error('an image is over its budget');
});
