import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import {
  DeployLock,
  DeployLockedError,
  LeaseLostError,
  unlock,
  type LeaseLostError as LeaseLost,
} from '../src/deploy/deploy-lock';
import { localRemote } from './local-remote';

const TTL = 300;
let dir: string;
const lockDir = () => path.join(dir, 'lock');
const leaseFile = () => path.join(lockDir(), 'lease');
const newLock = (ttl = TTL) => new DeployLock(localRemote, lockDir(), ttl);
const holder = (actor: string) => ({
  actor,
  by: 'https://github.com/acme/shop/actions/runs/42',
  action: 'deploy',
  release: '0123456789ab',
});

/** What a deployer that died leaves: a lease last renewed longer ago than its TTL. */
function expire(): void {
  const lease = readFileSync(leaseFile(), 'utf8');
  const renewed = Number(/^renewed=(\d+)$/m.exec(lease)![1]);
  writeFileSync(leaseFile(), lease.replace(/^renewed=\d+$/m, `renewed=${renewed - TTL - 1}`));
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'deploy-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy lock', () => {
  it('lets exactly one of many concurrent deploys in and names the holder to the others', async () => {
    const locks = Array.from({ length: 5 }, () => newLock());
    const results = await Promise.allSettled(
      locks.map((lock, index) => lock.acquire(holder(`actor-${index}`))),
    );

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const winner = results.findIndex((result) => result.status === 'fulfilled');
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      expect(result.reason).toBeInstanceOf(DeployLockedError);
      expect((result.reason as Error).message).toMatch(
        new RegExp(
          `holds the lock: actor-${winner} \\(deploy 0123456789ab, https://github.com/acme/shop/actions/runs/42, started \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z, renewed \\d+s ago, id ${locks[winner]!.token}\\)`,
        ),
      );
    }
  });

  it('is free again once released', async () => {
    const first = newLock();
    await first.acquire(holder('first'));
    await first.release();

    await expect(newLock().acquire(holder('second'))).resolves.toBeUndefined();
  });

  it('records the lease: holder, release, start, renewal and TTL', async () => {
    const lock = newLock();
    await lock.acquire(holder('ci'));

    expect(readFileSync(leaseFile(), 'utf8')).toMatch(
      new RegExp(
        [
          `id=${lock.token}`,
          'actor=ci',
          'by=https://github.com/acme/shop/actions/runs/42',
          'action=deploy',
          'release=0123456789ab',
          'started=\\S+Z',
          'renewed=\\d+',
          `ttl=${TTL}`,
          '',
        ].join('\n'),
      ),
    );
  });

  it('takes over an expired lease, and of many deploys seeing it expired exactly one wins', async () => {
    const dead = newLock();
    await dead.acquire(holder('dead'));
    expire();

    const locks = Array.from({ length: 5 }, () => newLock());
    const results = await Promise.allSettled(
      locks.map((lock, index) => lock.acquire(holder(`actor-${index}`))),
    );

    const winners = results.filter((result) => result.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    expect(winners[0]!.value).toMatchObject({ actor: 'dead', id: dead.token });
    const winner = results.findIndex((result) => result.status === 'fulfilled');
    for (const result of results) {
      if (result.status === 'rejected') {
        expect((result.reason as Error).message).toContain(`holds the lock: actor-${winner} (`);
      }
    }
    await expect(dead.renew()).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('stays live while renewed: a renewal moves renewed-at and can name the release', async () => {
    const lock = newLock();
    await lock.acquire({ ...holder('rollback'), release: 'previous' });
    expire();

    await lock.renew('aaaaaaaaaaaa');

    expect(readFileSync(leaseFile(), 'utf8')).toContain('release=aaaaaaaaaaaa\n');
    await expect(newLock().acquire(holder('other'))).rejects.toThrow(
      'holds the lock: rollback (deploy aaaaaaaaaaaa,',
    );
  });

  it('tells a deploy renewing in the background that its lease was taken', async () => {
    const lock = newLock(3);
    await lock.acquire(holder('slow'));
    await unlock(localRemote, lockDir(), { force: true });
    await newLock().acquire(holder('fast'));

    const lost = await new Promise<LeaseLost>((resolve, reject) =>
      lock.keepRenewed(resolve, (message) => reject(new Error(message))),
    );

    expect(lost.message).toContain('taken from this deploy: now fast (deploy');
    await lock.release();
    await expect(newLock().acquire(holder('third'))).rejects.toThrow('holds the lock: fast');
  });

  it('does not remove a lock another deploy took after deploy:unlock cleared ours', async () => {
    const stale = newLock();
    await stale.acquire(holder('stale'));
    await expect(unlock(localRemote, lockDir(), { force: true })).resolves.toMatchObject({
      state: 'cleared',
      lease: { actor: 'stale' },
    });
    await newLock().acquire(holder('fresh'));

    await stale.release();

    await expect(newLock().acquire(holder('third'))).rejects.toThrow('holds the lock: fresh');
  });

  it('deploy:unlock refuses a live lease unless forced, clears an expired one, reports a free lock', async () => {
    await expect(unlock(localRemote, lockDir(), { force: false })).resolves.toEqual({
      state: 'free',
    });
    await newLock().acquire(holder('running'));
    await expect(unlock(localRemote, lockDir(), { force: false })).resolves.toMatchObject({
      state: 'live',
      lease: { actor: 'running' },
    });

    expire();

    await expect(unlock(localRemote, lockDir(), { force: false })).resolves.toMatchObject({
      state: 'cleared',
      lease: { actor: 'running' },
    });
    await expect(newLock().acquire(holder('next'))).resolves.toBeUndefined();
  });

  it('never takes over a lock whose lease it cannot read', async () => {
    await $`mkdir -p ${lockDir()}`;
    writeFileSync(path.join(lockDir(), 'holder'), 'someone (deploy 0123456789ab)\n');

    await expect(newLock().acquire(holder('next'))).rejects.toThrow(
      'holds the lock: unknown holder (no readable lease)',
    );
  });
});
