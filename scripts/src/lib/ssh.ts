import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
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
  ) {
    const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
    super(`remote command exited with ${exitCode}${detail ? `:\n${detail}` : ''}`);
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
      const { input, stream = false } = options;
      const child = $({
        input: input ?? '',
        nothrow: true,
        quiet: true,
        // Its own process group: a Ctrl-C in the terminal (SIGINT to the deploy's group) must not
        // cut the connection mid-step; the deploy decides what happens after the step.
        detached: true,
      })`ssh ${args} -- ${remoteCommand(script, options)}`;
      if (stream) child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
      const output = await child;
      if (output.exitCode !== 0) {
        throw new RemoteCommandError(output.exitCode, output.stdout, output.stderr);
      }
      return output.stdout;
    },
    close() {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
