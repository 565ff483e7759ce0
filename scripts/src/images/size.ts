// pnpm images:size [--tag <tag>]: both images' sizes and their growth over the base image.
// The tag defaults to IMAGE_TAG, else `local` (what `docker compose up --build` builds). Exits 1
// when an image is over its budget.
import path from 'node:path';
import { argv } from 'zx';
import { formatSizeReport, withinBudget } from './image-budget';
import { measureImages } from './image-sizes';

const repoRoot = path.resolve(__dirname, '../../..');
const tag = String(argv.tag ?? process.env.IMAGE_TAG ?? 'local');

async function main(): Promise<void> {
  const rows = await measureImages(repoRoot, tag);
  console.log(formatSizeReport(rows));
  if (!rows.every(withinBudget)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
