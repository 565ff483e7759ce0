import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RssFigures } from './bench-results';

const run = promisify(execFile);
const SAMPLE_MS = 200;

/** The resident set of a process in MB: /proc where there is one (Linux), `ps` elsewhere. */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const kb = status
    ? Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1])
    : Number((await run('ps', ['-o', 'rss=', '-p', String(pid)])).stdout.trim());
  if (!Number.isFinite(kb) || kb <= 0) throw new Error(`no resident set size for process ${pid}`);
  return kb / 1024;
}

/**
 * Samples a process's RSS around `during` (its load): once before it starts, every 200 ms while it
 * runs (the peak), and once as soon as it ends.
 */
export async function watchRss<T>(
  pid: number,
  during: () => Promise<T>,
): Promise<{ result: T; rss: RssFigures }> {
  const idleMb = await rssMb(pid);
  let loadMb = idleMb;
  let sampling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sampling = rssMb(pid).then(
      (mb) => void (loadMb = Math.max(loadMb, mb)),
      () => {},
    );
  }, SAMPLE_MS);
  try {
    const result = await during();
    clearInterval(timer);
    await sampling;
    const afterMb = await rssMb(pid);
    return { result, rss: { idleMb, loadMb: Math.max(loadMb, afterMb), afterMb } };
  } finally {
    clearInterval(timer);
  }
}
