import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IMAGES, type ImageName } from '@starter/config';
import { defaultBaseImage, type ImageSizeRow } from './image-budget';
import { imageBytes } from './docker';

/**
 * Sizes of both images under `tag` and of the base each is built on: the NODE_IMAGE build
 * argument when set in the environment, else the Dockerfile's default.
 */
export async function measureImages(repoRoot: string, tag: string): Promise<ImageSizeRow[]> {
  const rows: ImageSizeRow[] = [];
  for (const name of Object.keys(IMAGES) as ImageName[]) {
    const { repository, dockerfile } = IMAGES[name];
    const base =
      process.env.NODE_IMAGE ??
      defaultBaseImage(await readFile(path.join(repoRoot, dockerfile), 'utf8'));
    const image = `${repository}:${tag}`;
    rows.push({ image, bytes: await imageBytes(image), base, baseBytes: await imageBytes(base) });
  }
  return rows;
}
