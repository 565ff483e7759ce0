import { $ } from 'zx';

/** Uncompressed size in bytes, the figure `docker image ls` shows. */
export async function imageBytes(reference: string): Promise<number> {
  const output = await $`docker image inspect --format {{.Size}} ${reference}`.quiet();
  return Number(output.stdout.trim());
}
