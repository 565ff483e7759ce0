import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Remote } from '../lib/ssh';
import { shellQuote as q } from '../lib/shell-quote';

/** Who takes the lock: printed to anyone who finds it held. */
export interface LockHolder {
  actor: string;
  /** The CI run URL, or the machine and process id. */
  by: string;
  action: string;
  release: string;
}

/** The lease as the host stores it (lock/lease, one key=value a line); times from the host's clock. */
export interface Lease extends Partial<LockHolder> {
  id?: string;
  started?: string;
  /** Seconds since the epoch of the last renewal. */
  renewed?: number;
  ttl?: number;
  /** The host's clock when the lease was read. */
  now?: number;
}

export class DeployLockedError extends Error {
  constructor(readonly lease: Lease) {
    super(
      `another deploy holds the lock: ${describeLease(lease)}. It is taken over once not renewed for ${lease.ttl ?? '?'}s; if its deployer is gone for sure, pnpm deploy:unlock --force clears it now`,
    );
    this.name = 'DeployLockedError';
  }
}

export class LeaseLostError extends Error {
  constructor(readonly lease: Lease) {
    super(`the deploy lock was taken from this deploy: now ${describeLease(lease)}`);
    this.name = 'LeaseLostError';
  }
}

export function holderBy(ciRun: string | undefined): string {
  return ciRun ?? `${os.hostname()} pid ${process.pid}`;
}

export function describeLease(lease: Lease): string {
  if (!lease.id) return 'unknown holder (no readable lease)';
  const renewed =
    lease.renewed !== undefined && lease.now !== undefined
      ? `, renewed ${lease.now - lease.renewed}s ago`
      : '';
  return `${lease.actor} (${lease.action} ${lease.release}, ${lease.by}, started ${lease.started}${renewed}, id ${lease.id})`;
}

/** Parses the `key=value` lines a lock script prints after its status line. */
export function parseLease(lines: string[]): Lease {
  const fields = Object.fromEntries(
    lines.flatMap((line) => {
      const separator = line.indexOf('=');
      return separator > 0 ? [[line.slice(0, separator), line.slice(separator + 1)]] : [];
    }),
  );
  const number = (value: string | undefined) =>
    value && /^\d+$/.test(value) ? Number(value) : undefined;
  return {
    id: fields.id,
    actor: fields.actor,
    by: fields.by,
    action: fields.action,
    release: fields.release,
    started: fields.started,
    renewed: number(fields.renewed),
    ttl: number(fields.ttl),
    now: number(fields.now),
  };
}

function parseAnswer(output: string): { status: string; lease: Lease } {
  const [status = '', ...rest] = output.trim().split('\n');
  return { status: status.trim(), lease: parseLease(rest) };
}

/** One line of a lease value: the lease is line-oriented. */
const oneLine = (value: string) => value.replaceAll(/[\r\n]+/g, ' ');

/**
 * Scripts run under an flock of `<lock>.guard`, so a takeover (read the lease, find it expired,
 * replace it) is atomic against another deploy taking over the same expired lease, a renewal
 * and deploy:unlock. The guard is held only for the few milliseconds a script runs, and the
 * kernel drops it when the script dies.
 */
function guarded(lockDir: string, script: string[]): string {
  return [
    `mkdir -p "$(dirname ${q(lockDir)})"`,
    `exec 9>>${q(`${lockDir}.guard`)}`,
    'flock -w 30 9',
    'now=$(date +%s)',
    `lease=${q(`${lockDir}/lease`)}`,
    'field() { sed -n "s/^$1=//p" "$lease" 2>/dev/null | head -n 1; }',
    // Live: a lease renewed within its TTL, or a lock without a readable lease (never guess).
    'live() { [ -d ' +
      q(lockDir) +
      ' ] && { r=$(field renewed); t=$(field ttl); [ -z "$r" ] || [ -z "$t" ] || [ $((now - r)) -le "$t" ]; }; }',
    'show() { echo "now=$now"; cat "$lease" 2>/dev/null || true; }',
    ...script,
  ].join('\n');
}

/**
 * The deploy lock: a directory on the host holding the lease, created by renaming a complete
 * temporary directory into place (rename(2) onto an existing non-empty directory fails, so a
 * reader always finds a complete lease). The lease is renewed every third of its TTL while the
 * deploy runs; one not renewed for a TTL belonged to a deployer that died and is taken over.
 */
export class DeployLock {
  readonly token = randomUUID().slice(0, 8);
  private held = false;
  private renewal: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly remote: Remote,
    private readonly lockDir: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Takes the lock; returns the expired lease it took over, if any. */
  async acquire(holder: LockHolder): Promise<Lease | undefined> {
    const fields = { id: this.token, ...holder };
    const output = await this.remote.run(
      guarded(this.lockDir, [
        'previous=""',
        'if [ -d ' + q(this.lockDir) + ' ]; then',
        '  if live; then echo held; show; exit 0; fi',
        '  previous=$(show)',
        '  rm -rf ' + q(this.lockDir),
        'fi',
        `staging=$(mktemp -d ${q(`${this.lockDir}.XXXXXX`)})`,
        '{',
        ...Object.entries(fields).map(
          ([key, value]) => `  printf '%s\\n' ${q(`${key}=${oneLine(value)}`)}`,
        ),
        `  echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "renewed=$now"; echo ${q(`ttl=${this.ttlSeconds}`)}`,
        '} > "$staging/lease"',
        // The guard already excludes another acquirer; the rename keeps the lease whole regardless.
        `if ! mv -T "$staging" ${q(this.lockDir)} 2>/dev/null; then rm -rf "$staging"; echo held; show; exit 0; fi`,
        'if [ -n "$previous" ]; then echo taken-over; printf "%s\\n" "$previous"; else echo acquired; fi',
      ]),
    );
    const { status, lease } = parseAnswer(output);
    if (status === 'held') throw new DeployLockedError(lease);
    if (status !== 'acquired' && status !== 'taken-over') {
      throw new Error(`unexpected answer from the lock script: ${output.trim()}`);
    }
    this.held = true;
    return status === 'taken-over' ? lease : undefined;
  }

  /** Renews the lease (and may rename the release it names); throws LeaseLostError if it is gone. */
  async renew(release?: string): Promise<void> {
    const output = await this.remote.run(
      guarded(this.lockDir, [
        `if [ "$(field id)" != ${q(this.token)} ]; then echo lost; show; exit 0; fi`,
        `awk -v now="$now" -v release=${q(release ? oneLine(release) : '')} 'BEGIN { FS = OFS = "=" } $1 == "renewed" { $0 = "renewed=" now } $1 == "release" && release != "" { $0 = "release=" release } { print }' "$lease" > "$lease.tmp"`,
        'mv "$lease.tmp" "$lease"',
        'echo renewed',
      ]),
    );
    const { status, lease } = parseAnswer(output);
    if (status !== 'renewed') {
      this.held = false;
      throw new LeaseLostError(lease);
    }
  }

  /**
   * Renews the lease every third of its TTL until released. `onLost` hears a lease taken by
   * another deploy; a renewal that fails to reach the host is only reported, the next one retries.
   */
  keepRenewed(onLost: (error: LeaseLostError) => void, warn: (message: string) => void): void {
    this.renewal = setInterval(
      () => {
        this.renewing = this.renewing.then(() =>
          this.renew().catch((error: unknown) => {
            if (error instanceof LeaseLostError) {
              this.stopRenewing();
              onLost(error);
            } else {
              warn(
                `renewing the deploy lock failed (retrying): ${error instanceof Error ? error.message : String(error)}`,
              );
            }
          }),
        );
      },
      (this.ttlSeconds * 1000) / 3,
    );
    this.renewal.unref();
  }

  private stopRenewing(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }

  /** Releases the lock if this deploy still holds it (it may have been taken over or cleared). */
  async release(): Promise<void> {
    this.stopRenewing();
    await this.renewing;
    if (!this.held) return;
    await this.remote.run(
      guarded(this.lockDir, [
        `if [ "$(field id)" = ${q(this.token)} ]; then rm -rf ${q(this.lockDir)}; fi`,
      ]),
    );
    this.held = false;
  }
}

export type UnlockResult =
  { state: 'free' } | { state: 'live'; lease: Lease } | { state: 'cleared'; lease: Lease };

/** deploy:unlock: clears an expired lease, or a live one only when forced. */
export async function unlock(
  remote: Remote,
  lockDir: string,
  { force }: { force: boolean },
): Promise<UnlockResult> {
  const output = await remote.run(
    guarded(lockDir, [
      `if [ ! -d ${q(lockDir)} ]; then echo free; exit 0; fi`,
      ...(force ? [] : ['if live; then echo live; show; exit 0; fi']),
      'echo cleared; show',
      `rm -rf ${q(lockDir)}`,
    ]),
  );
  const { status, lease } = parseAnswer(output);
  if (status === 'free') return { state: 'free' };
  if (status === 'live') return { state: 'live', lease };
  if (status === 'cleared') return { state: 'cleared', lease };
  throw new Error(`unexpected answer from the unlock script: ${output.trim()}`);
}
