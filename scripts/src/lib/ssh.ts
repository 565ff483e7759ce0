import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeployConfig } from '@starter/config';
import { shellQuote } from './shell-quote';

export interface RunOptions {
  /** Sent on the remote command's stdin: the only way secrets reach the host. */
  input?: string;
  /** Copy the remote stdout to ours as it arrives (long steps such as pulls and migrations). */
  stream?: boolean;
  /** The time limit on the host; default DEFAULT_REMOTE_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
}

/** The time limit of the short remote commands (writing a file, reading the state, a reload). */
export const DEFAULT_REMOTE_TIMEOUT_SECONDS = 120;

/** Exit status of a remote script stopped by its time limit (coreutils timeout). */
export const REMOTE_TIMEOUT_EXIT_CODE = 124;

/**
 * The command ssh runs on the host for one script. The script runs in a session of its own
 * (setsid) under a time limit (timeout, which signals the script's whole process group), with its
 * output in files: when the ssh connection drops, the session's SIGHUP and the broken pipe reach
 * only this wrapper, and the script still runs to its end or its time limit, never half-way.
 */
export function remoteCommand(
  script: string,
  { stream = false, timeoutSeconds = DEFAULT_REMOTE_TIMEOUT_SECONDS }: RunOptions = {},
): string {
  // Options set inside the script: flags on the command line would also apply to bashrc.
  // Exiting on SIGTERM (the time limit's signal) runs the script's EXIT trap, its clean-up.
  const inner = `bash -c ${shellQuote(`set -euo pipefail\ntrap 'exit 143' TERM\n${script}`)}`;
  const wrapper = [
    'set -uo pipefail',
    'work=$(mktemp -d)',
    `trap 'rm -rf "$work"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 141' PIPE`,
    // An explicit stdin: a background command's stdin would be /dev/null.
    `setsid --wait timeout --kill-after=10 ${timeoutSeconds} ${inner} <&0 >"$work/out" 2>"$work/err" &`,
    'step=$!',
    ...(stream
      ? [
          // Copies the output as it grows; the last copy after the step ended misses nothing.
          'shown=0',
          'show() { size=$(stat -c %s "$work/out"); if [ "$size" -gt "$shown" ]; then tail -c +$((shown + 1)) "$work/out" | head -c $((size - shown)); shown=$size; fi; }',
          'while kill -0 "$step" 2>/dev/null; do show; sleep 0.2; done',
        ]
      : []),
    'wait "$step"; code=$?',
    stream ? 'show' : 'cat "$work/out"',
    'cat "$work/err" >&2',
    `if [ "$code" -eq ${REMOTE_TIMEOUT_EXIT_CODE} ] || [ "$code" -eq 137 ]; then echo "stopped on the host: still running after its time limit of ${timeoutSeconds}s" >&2; fi`,
    'exit "$code"',
  ].join('\n');
  return `bash -c ${shellQuote(wrapper)}`;
}

/** A shell on the deploy host. Every script runs under `bash -euo pipefail`, with a time limit. */
export interface Remote {
  readonly destination: string;
  run(script: string, options?: RunOptions): Promise<string>;
  close(): void;
}

export class RemoteCommandError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly signal: NodeJS.Signals | null = null,
  ) {
    const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
    const ending =
      exitCode === null ? `ssh was killed by ${signal}` : `remote command exited with ${exitCode}`;
    super(`${ending}${detail ? `:\n${detail}` : ''}`);
    this.name = 'RemoteCommandError';
  }
}

/**
 * The ssh arguments: strict host key checking against a pinned known_hosts file, key-only
 * authentication, no prompts. A host whose key is not pinned (or changed) is refused.
 */
export function sshArguments(config: DeployConfig['ssh'], knownHostsFile: string): string[] {
  return [
    '-p',
    String(config.port),
    '-i',
    config.keyPath,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHostsFile}`,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=15',
    `${config.user}@${config.host}`,
  ];
}

export function createRemote(config: DeployConfig['ssh']): Remote {
  let scratch: string | undefined;
  let knownHostsFile = config.knownHosts.file;
  if (!knownHostsFile) {
    scratch = mkdtempSync(path.join(tmpdir(), 'deploy-ssh-'));
    knownHostsFile = path.join(scratch, 'known_hosts');
    writeFileSync(knownHostsFile, `${config.knownHosts.content?.trim()}\n`, { mode: 0o600 });
  }
  const args = sshArguments(config, knownHostsFile);

  return {
    destination: `${config.user}@${config.host}:${config.port}`,
    async run(script, options = {}) {
      const command = remoteCommand(script, options);
      for (let attempt = 1; ; attempt += 1) {
        const result = await runSsh([...args, '--', command], options);
        if (result.exitCode === 0) return result.stdout;
        // A terminal's signal that lands while ssh is being spawned, before it leaves the
        // deploy's process group, kills it before it runs: nothing reached the host, so the
        // step is started again rather than reported as failed.
        const killedBeforeStart =
          result.signal !== null &&
          GROUP_SIGNALS.has(result.signal) &&
          result.stdout === '' &&
          result.stderr === '';
        if (!killedBeforeStart || attempt === MAX_SPAWN_ATTEMPTS) {
          throw new RemoteCommandError(
            result.exitCode,
            result.stdout,
            result.stderr,
            result.signal,
          );
        }
      }
    },
    close() {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The signals a terminal or a CI runner sends to a whole process group. */
const GROUP_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGTERM', 'SIGHUP']);
const MAX_SPAWN_ATTEMPTS = 10;

interface SshResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

async function runSsh(
  args: string[],
  { input = '', stream = false }: RunOptions,
): Promise<SshResult> {
  // Its own process group: a Ctrl-C in the terminal (SIGINT to the deploy's group) must not cut
  // the connection mid-step; the deploy decides what happens after the step.
  const child = spawn('ssh', args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stream) process.stdout.write(chunk);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // An ssh that exits before reading its input (a refused connection, a signal) breaks this pipe;
  // its exit status, not an unhandled EPIPE, is what the deploy must hear.
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}
