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
import { REPO_ROOT } from '../src/lib/repo-root';
import { rootScripts, scriptEntryFile } from '../src/lib/workspace';

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

/** A deploy running remote steps back to back, the way its steps spawn one ssh after another. */
const BUSY_DEPLOYER = (steps: number, ready: string) => `
import { writeFileSync } from 'node:fs';
import { createRemote } from ${JSON.stringify(path.join(__dirname, '../src/lib/ssh.ts'))};
const remote = createRemote({ host: 'host', port: 22, user: 'deploy', keyPath: '/dev/null', knownHosts: { content: 'host ssh-ed25519 AAAA' } });
process.on('SIGINT', () => {});
writeFileSync(${JSON.stringify(ready)}, '');
let failed = 0;
for (let step = 0; step < ${steps}; step += 1) {
  await remote.run('cat >/dev/null', { input: 'x'.repeat(70000) }).catch((error) => {
    failed += 1;
    process.stdout.write(\`\${error.message}\\n\`);
  });
}
remote.close();
process.stdout.write(\`failed \${failed}\\n\`);
`;

/** A deploy whose event loop is busy (a loaded machine) at the moment the Ctrl-C arrives. */
const BLOCKED_DEPLOYER = (ready: string) => `
import { writeFileSync } from 'node:fs';
process.on('SIGINT', () => process.stdout.write('SIGINT\\n'));
writeFileSync(${JSON.stringify(ready)}, '');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
setTimeout(() => process.stdout.write('finished\\n'), 100);
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

/** A deployer in a process group of its own, as a terminal starts it; its stdout is collected. */
function startDeployer(
  command: string,
  args: string[],
  options: { cwd: string; withFakeSsh: boolean },
) {
  const deployer = spawn(command, args, {
    cwd: options.cwd,
    detached: true,
    env: options.withFakeSsh
      ? { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` }
      : process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  deployer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => deployer.on('exit', () => resolve(output)));
  return { group: -deployer.pid!, exited };
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
    const deployer = startDeployer(process.execPath, ['--import', 'tsx', script], {
      cwd: path.join(__dirname, '..'),
      withFakeSsh: true,
    });

    await appears(started);
    // What the terminal does: SIGINT to every process of the foreground process group.
    process.kill(deployer.group, 'SIGINT');

    expect(await deployer.exited).toBe('SIGINT\nreturned step-finished\n');
  });

  it('never fails a step because the signal landed while its ssh was being spawned', async () => {
    const script = path.join(dir, 'deployer.mts');
    const ready = path.join(dir, 'ready');
    writeFileSync(script, BUSY_DEPLOYER(60, ready));
    const deployer = startDeployer(process.execPath, ['--import', 'tsx', script], {
      cwd: path.join(__dirname, '..'),
      withFakeSsh: true,
    });
    await appears(ready);
    // Far more often than a person presses Ctrl-C, so that some land inside a spawn.
    const storm = setInterval(() => process.kill(deployer.group, 'SIGINT'), 10);
    const output = await deployer.exited;
    clearInterval(storm);

    expect(output).toBe('failed 0\n');
  });
});

describe('a root verb as package.json runs it', () => {
  it('survives a Ctrl-C that arrives while its event loop is busy (no wrapper process that kills it)', async () => {
    const deploy = rootScripts().deploy!;
    const entry = scriptEntryFile(deploy)!;
    const ready = path.join(dir, 'ready');
    const script = path.join(dir, 'deployer.mts');
    writeFileSync(script, BLOCKED_DEPLOYER(ready));
    // pnpm's shell dies of the SIGINT once its child ends, as shells do: the output tells.
    const deployer = startDeployer('sh', ['-c', deploy.replace(entry, script)], {
      cwd: REPO_ROOT,
      withFakeSsh: false,
    });

    await appears(ready);
    process.kill(deployer.group, 'SIGINT');

    expect(await deployer.exited).toBe('SIGINT\nfinished\n');
  });
});
