import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** ssh as far as the deploy sees it: runs the remote command in a local bash. */
const FAKE_SSH = `#!/bin/bash
while [ "$1" != "--" ]; do shift; done; shift
exec bash -c "$*"
`;

/** A deploy process in the middle of a remote step, as a terminal runs it: its own process group. */
const DEPLOYER = (started: string) => `
import { createRemote } from ${JSON.stringify(path.join(__dirname, '../src/lib/ssh.ts'))};
const remote = createRemote({ host: 'host', port: 22, user: 'deploy', keyPath: '/dev/null', knownHosts: { content: 'host ssh-ed25519 AAAA' } });
process.on('SIGINT', () => process.stdout.write('SIGINT\\n'));
remote.run(${JSON.stringify(`touch ${started}; sleep 1; echo step-finished`)}).then(
  (output) => process.stdout.write(\`returned \${output}\`),
  (error) => process.stdout.write(\`failed \${error.message}\\n\`),
).finally(() => remote.close());
`;

function appears(file: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!existsSync(file)) return false;
      watcher.close();
      resolve();
      return true;
    };
    const watcher = watch(path.dirname(file), check);
    check();
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ssh-signal-'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'bin/ssh'), FAKE_SSH);
  chmodSync(path.join(dir, 'bin/ssh'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a Ctrl-C in the terminal during a remote step', () => {
  it('does not cut the ssh connection: the step finishes and the deploy hears its result', async () => {
    const started = path.join(dir, 'started');
    const script = path.join(dir, 'deployer.ts');
    writeFileSync(script, DEPLOYER(started));
    const deployer = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.join(__dirname, '..'),
      detached: true,
      env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    deployer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => deployer.on('exit', resolve));

    await appears(started);
    // What the terminal does: SIGINT to every process of the foreground process group.
    process.kill(-deployer.pid!, 'SIGINT');
    await exited;

    expect(output).toBe('SIGINT\nreturned step-finished\n');
  });
});
