/**
 * Each image may weigh at most this much more than the image it is built on. Megabytes as
 * `docker image ls` prints them (10^6 bytes).
 */
export const SIZE_BUDGET_BYTES = 60 * 1_000_000;

const BASE_IMAGE_ARG = /^ARG NODE_IMAGE=(\S+)\s*$/m;

/** The base image a Dockerfile builds on unless the NODE_IMAGE build argument overrides it. */
export function defaultBaseImage(dockerfile: string): string {
  const match = BASE_IMAGE_ARG.exec(dockerfile);
  if (!match?.[1])
    throw new Error('Dockerfile declares no default base image (ARG NODE_IMAGE=...)');
  return match[1];
}

export interface ImageSizeRow {
  image: string;
  bytes: number;
  base: string;
  baseBytes: number;
}

export function growthBytes(row: ImageSizeRow): number {
  return row.bytes - row.baseBytes;
}

export function withinBudget(row: ImageSizeRow): boolean {
  return growthBytes(row) <= SIZE_BUDGET_BYTES;
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function formatSizeReport(rows: ImageSizeRow[]): string {
  const budget = formatMegabytes(SIZE_BUDGET_BYTES);
  return rows
    .map((row) => {
      const growth = growthBytes(row);
      const verdict = withinBudget(row) ? 'within' : 'OVER';
      return (
        `${row.image}: ${formatMegabytes(row.bytes)} = ${row.base} ${formatMegabytes(row.baseBytes)}` +
        ` + ${formatMegabytes(growth)} (${verdict} the ${budget} budget)`
      );
    })
    .join('\n');
}
