import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { DeployLock, DeployLockedError, forceUnlock } from '../src/deploy/deploy-lock';
import type { Remote } from '../src/lib/ssh';

/** The lock's scripts run in a local bash, exactly as they would on the host. */
const localRemote: Remote = {
  destination: 'local',
  async run(script, { input } = {}) {
    return (await $({ input: input ?? '', quiet: true })`bash -c ${`set -euo pipefail\n${script}`}`)
      .stdout;
  },
  close: () => undefined,
};

let dir: string;
const lockDir = () => path.join(dir, 'lock');
const holder = (actor: string) => ({ actor, action: 'deploy', release: '0123456789ab' });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'deploy-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy lock', () => {
  it('lets exactly one of many concurrent deploys in and names the holder to the others', async () => {
    const locks = Array.from({ length: 5 }, () => new DeployLock(localRemote, dir, lockDir()));
    const results = await Promise.allSettled(
      locks.map((lock, index) => lock.acquire(holder(`actor-${index}`))),
    );

    const winners = results.filter((result) => result.status === 'fulfilled');
    const losers = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    expect(winners).toHaveLength(1);
    const winner = results.findIndex((result) => result.status === 'fulfilled');
    for (const loser of losers) {
      expect(loser.reason).toBeInstanceOf(DeployLockedError);
      expect((loser.reason as Error).message).toContain(
        `holds the lock: actor-${winner} (deploy 0123456789ab, since`,
      );
    }
  });

  it('is free again once released', async () => {
    const first = new DeployLock(localRemote, dir, lockDir());
    await first.acquire(holder('first'));
    await first.release();

    await expect(
      new DeployLock(localRemote, dir, lockDir()).acquire(holder('second')),
    ).resolves.toBeUndefined();
  });

  it('does not remove a lock another deploy took after deploy:unlock cleared ours', async () => {
    const stale = new DeployLock(localRemote, dir, lockDir());
    await stale.acquire(holder('stale'));
    await expect(forceUnlock(localRemote, lockDir())).resolves.toMatch(/^stale \(deploy/);
    const fresh = new DeployLock(localRemote, dir, lockDir());
    await fresh.acquire(holder('fresh'));

    await stale.release();

    await expect(
      new DeployLock(localRemote, dir, lockDir()).acquire(holder('third')),
    ).rejects.toThrow('holds the lock: fresh');
  });

  it('deploy:unlock reports a free lock as free', async () => {
    await expect(forceUnlock(localRemote, lockDir())).resolves.toBeUndefined();
  });
});
