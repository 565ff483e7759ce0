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
}

/** A shell on the deploy host. Every script runs under `bash -euo pipefail`. */
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
    async run(script, { input, stream = false } = {}) {
      // Options set inside the script: flags on the command line would also apply to bashrc.
      const command = `bash -c ${shellQuote(`set -euo pipefail\n${script}`)}`;
      const child = $({
        input: input ?? '',
        nothrow: true,
        quiet: true,
      })`ssh ${args} -- ${command}`;
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
