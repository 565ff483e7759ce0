import { randomUUID } from 'node:crypto';
import type { Remote } from '../lib/ssh';
import { shellQuote as q } from '../lib/shell-quote';

export class DeployLockedError extends Error {
  constructor(readonly holder: string) {
    super(`another deploy holds the lock: ${holder}. If it is stale, run pnpm deploy:unlock`);
    this.name = 'DeployLockedError';
  }
}

export interface LockHolder {
  actor: string;
  action: string;
  release: string;
}

export function describeHolder(holder: LockHolder, since: Date, token: string): string {
  return `${holder.actor} (${holder.action} ${holder.release}, since ${since.toISOString()}, id ${token})`;
}

/**
 * The deploy lock: a directory on the host, created by renaming a complete temporary directory
 * (holder file included) into place. rename(2) onto an existing non-empty directory fails, so
 * exactly one of two concurrent deploys wins, and the loser always reads a complete holder.
 */
export class DeployLock {
  private readonly token = randomUUID().slice(0, 8);
  private held = false;

  constructor(
    private readonly remote: Remote,
    private readonly dir: string,
    private readonly lockDir: string,
  ) {}

  async acquire(holder: LockHolder): Promise<void> {
    const description = describeHolder(holder, new Date(), this.token);
    const output = await this.remote.run(
      [
        `mkdir -p ${q(this.dir)}`,
        `staging=$(mktemp -d ${q(`${this.lockDir}.XXXXXX`)})`,
        `printf '%s\\n' ${q(description)} > "$staging/holder"`,
        `if mv -T "$staging" ${q(this.lockDir)} 2>/dev/null; then echo acquired; exit 0; fi`,
        'rm -rf "$staging"',
        `cat ${q(`${this.lockDir}/holder`)}`,
      ].join('\n'),
    );
    if (output.trim() !== 'acquired')
      throw new DeployLockedError(output.trim() || 'unknown holder');
    this.held = true;
  }

  /** Releases the lock if this process still holds it (deploy:unlock may have cleared it). */
  async release(): Promise<void> {
    if (!this.held) return;
    await this.remote.run(
      `if grep -qs -- ${q(`id ${this.token})`)} ${q(`${this.lockDir}/holder`)}; then rm -rf ${q(this.lockDir)}; fi`,
    );
    this.held = false;
  }
}

/** deploy:unlock: clears the lock whoever holds it and returns the holder it cleared. */
export async function forceUnlock(remote: Remote, lockDir: string): Promise<string | undefined> {
  const output = await remote.run(
    `if [ -d ${q(lockDir)} ]; then cat ${q(`${lockDir}/holder`)} 2>/dev/null || echo 'unknown holder'; rm -rf ${q(lockDir)}; fi`,
  );
  return output.trim() || undefined;
}
