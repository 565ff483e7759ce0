// pnpm images:size [--tag <tag>]: both images' sizes and their growth over the base image.
// The tag defaults to IMAGE_TAG, else `local` (what `docker compose up --build` builds). Exits 1
// when an image is over its budget.
import { argv } from 'zx';
import { REPO_ROOT } from '../lib/repo-root';
import { formatSizeReport, withinBudget } from './image-budget';
import { measureImages } from './image-sizes';

const tag = String(argv.tag ?? process.env.IMAGE_TAG ?? 'local');

async function main(): Promise<void> {
  const rows = await measureImages(REPO_ROOT, tag);
  console.log(formatSizeReport(rows));
  if (!rows.every(withinBudget)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
