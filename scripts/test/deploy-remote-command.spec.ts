import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { remoteCommand, REMOTE_TIMEOUT_EXIT_CODE } from '../src/lib/ssh';

/** What sshd does with the command: hands it to the login shell (here: a local bash). */
const onHost = (command: string, input = '') =>
  $({ input, nothrow: true, quiet: true })`bash -c ${command}`;

/** Resolves once `file` exists (an event, not a sleep). */
function appears(file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(path.dirname(file), () => {
      if (existsSync(file)) {
        watcher.close();
        resolve();
      }
    });
    if (existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'remote-command-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a remote step as ssh runs it on the host', () => {
  it('passes stdin, stdout, stderr and the exit status through, under bash -euo pipefail', async () => {
    const output = await onHost(
      remoteCommand(
        'read -r secret; echo "got $secret"; echo warning >&2; false; echo unreachable',
      ),
      'token\n',
    );

    expect(output.exitCode).toBe(1);
    expect(output.stdout).toBe('got token\n');
    expect(output.stderr).toBe('warning\n');
  });

  it('streams its output whole, to the very last line of a step that ends at once', async () => {
    const lines = Array.from({ length: 2000 }, (_, index) => `line ${index}`).join('\n');
    const command = (script: string) => remoteCommand(script, { stream: true });

    await expect(onHost(command('echo quick'))).resolves.toMatchObject({ stdout: 'quick\n' });
    await expect(
      onHost(command('for i in $(seq 0 1999); do echo "line $i"; done; sleep 0.5; echo last')),
    ).resolves.toMatchObject({ stdout: `${lines}\nlast\n` });
  });

  it('is stopped at its time limit, its child processes included', async () => {
    const pidFile = path.join(dir, 'child');
    const output = await onHost(
      remoteCommand(`sleep 60 & echo $! > ${pidFile}; wait`, { timeoutSeconds: 1 }),
    );

    expect(output.exitCode).toBe(REMOTE_TIMEOUT_EXIT_CODE);
    expect(output.stderr).toContain('still running after its time limit of 1s');
    const child = (await $`cat ${pidFile}`).stdout.trim();
    // Gone, or a zombie waiting for an init that does not reap (as in some containers).
    const state = (await $({ nothrow: true })`ps -o stat= -p ${child}`).stdout.trim();
    expect(state.replace(/^Z.*/, '')).toBe('');
  });

  it("runs the script's clean-up (EXIT trap) when its time limit stops it", async () => {
    const scratch = path.join(dir, 'scratch');
    const output = await onHost(
      remoteCommand(`mkdir ${scratch}; trap 'rm -rf ${scratch}' EXIT; sleep 60`, {
        timeoutSeconds: 1,
      }),
    );

    expect(output.exitCode).toBe(REMOTE_TIMEOUT_EXIT_CODE);
    expect(existsSync(scratch)).toBe(false);
  });

  it('runs to its end when the connection drops mid-step (SIGHUP and a closed pipe reach only the wrapper)', async () => {
    const started = path.join(dir, 'started');
    const done = path.join(dir, 'done');
    const wrapper = spawn(
      'bash',
      ['-c', remoteCommand(`touch ${started}; sleep 1; echo late; touch ${done}`)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const exited = new Promise((resolve) => wrapper.on('exit', resolve));

    await appears(started);
    wrapper.stdout.destroy();
    wrapper.kill('SIGHUP');
    await exited;

    await appears(done);
    expect(existsSync(done)).toBe(true);
  });
});
