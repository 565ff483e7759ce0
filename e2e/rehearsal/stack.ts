import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@starter/testing';
import { shellQuote as q } from '@starter/scripts/lib/shell-quote';
import { sshArguments } from '@starter/scripts/lib/ssh';
import { $ } from 'zx';

const HOST_IMAGE = 'starter-rehearsal-host';
const HOST_IMAGE_DIR = path.join(__dirname, 'ssh-host');
const START_TIMEOUT_MS = 60_000;

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  keyPath: string;
  knownHostsFile: string;
}

/** What the deploy verbs are pointed at: a registry and an SSH "EC2 host", both started here. */
export interface RehearsalStack {
  /** host:port of a registry:2 container, plain HTTP without auth (engines trust 127.0.0.0/8). */
  registry: string;
  ssh: SshTarget;
  /** A directory of the engine's filesystem, mounted at the same path in the SSH host. */
  deployDir: string;
  /** The proxy's HTTP and HTTPS ports on this machine. */
  proxyPort: number;
  proxyTlsPort: number;
  /** The proxy over plain HTTP (TLS off, as behind a load balancer). */
  proxyUrl: string;
  /** The DEPLOY_* settings that point the verbs at this stack. */
  deployEnv: Record<string, string>;
  /** Runs a bash script on the host as the deploy user. */
  onHost(script: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The engine's socket, which the SSH host mounts to run compose on the same engine as the
 * rehearsal. Only a local socket can be shared this way.
 */
export function engineSocket(dockerHost = process.env.DOCKER_HOST): string {
  if (!dockerHost) return '/var/run/docker.sock';
  if (!dockerHost.startsWith('unix://')) {
    throw new Error(
      `the rehearsal shares the Docker engine through its socket; DOCKER_HOST=${dockerHost} is not a unix socket`,
    );
  }
  return dockerHost.slice('unix://'.length);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000}s`);
    await sleep(200);
  }
}

async function startRegistry(name: string): Promise<string> {
  await $({ quiet: true })`docker run -d --name ${name} -p 127.0.0.1::5000 registry:2`;
  const port = (await $({ quiet: true })`docker port ${name} 5000/tcp`).stdout
    .trim()
    .split(':')
    .at(-1);
  const registry = `127.0.0.1:${port}`;
  await waitFor(`the registry ${name}`, async () =>
    (await fetch(`http://${registry}/v2/`).catch(() => undefined))?.ok ? true : undefined,
  );
  return registry;
}

/**
 * The SSH host: host networking, so that 127.0.0.1 on the host is the engine's loopback, where the
 * proxy publishes its port, as on a real server. sshd needs a port of its own there; one that was
 * taken between the choice and the bind makes the container exit, and another is tried.
 */
async function startSshHost(name: string, publicKey: string, deployDir: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const run = [
      ...['run', '-d', '--name', name, '--network', 'host'],
      ...['-v', `${engineSocket()}:/var/run/docker.sock`, '-v', `${deployDir}:${deployDir}`],
      ...[HOST_IMAGE, String(port), publicKey, deployDir],
    ];
    await $({ quiet: true })`docker ${run}`;
    const started = await waitFor(`the SSH host ${name}`, async () => {
      const state = (
        await $({ quiet: true })`docker inspect -f {{.State.Running}} ${name}`
      ).stdout.trim();
      const logs = (await $({ quiet: true })`docker logs ${name}`.nothrow()).stderr;
      if (logs.includes(`Server listening on 127.0.0.1 port ${port}`)) return true;
      return state === 'false' ? false : undefined;
    });
    if (started) return port;
    await $({ quiet: true, nothrow: true })`docker rm -f ${name}`;
    if (attempt === 3) throw new Error(`the SSH host ${name} could not bind a port`);
  }
}

export async function startRehearsalStack(id: string): Promise<RehearsalStack> {
  const scratch = mkdtempSync(path.join(tmpdir(), `rehearsal-${id}-`));
  const deployDir = path.join(scratch, 'host');
  mkdirSync(deployDir);
  // The container's deploy user takes it over; the rehearsal's own user may differ.
  chmodSync(deployDir, 0o777);
  const keyPath = path.join(scratch, 'id_ed25519');
  await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C rehearsal -f ${keyPath}`;
  const registryName = `rehearsal-registry-${id}`;
  const hostName = `rehearsal-host-${id}`;
  await $({ quiet: true })`docker build -q -t ${HOST_IMAGE} ${HOST_IMAGE_DIR}`;
  const registry = await startRegistry(registryName);
  const port = await startSshHost(
    hostName,
    readFileSync(`${keyPath}.pub`, 'utf8').trim(),
    deployDir,
  );
  // Generated when the container started: pinned here, never learnt from the connection.
  const hostKey = (
    await $({ quiet: true })`docker exec ${hostName} cat /etc/ssh/ssh_host_ed25519_key.pub`
  ).stdout
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const knownHostsFile = path.join(scratch, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostKey}\n`, { mode: 0o600 });
  const ssh: SshTarget = { host: '127.0.0.1', port, user: 'deploy', keyPath, knownHostsFile };
  const proxyPort = await freePort();
  const proxyTlsPort = await freePort();

  const onHost = async (script: string) =>
    (
      await $({
        quiet: true,
      })`ssh ${sshArguments({ ...ssh, knownHosts: { file: knownHostsFile } }, knownHostsFile)} -- ${`bash -c ${q(`set -euo pipefail\n${script}`)}`}`
    ).stdout;

  return {
    registry,
    ssh,
    deployDir,
    proxyPort,
    proxyTlsPort,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    deployEnv: {
      DEPLOY_REGISTRY: registry,
      DEPLOY_HOST: ssh.host,
      DEPLOY_PORT: String(port),
      DEPLOY_USER: ssh.user,
      DEPLOY_SSH_KEY: keyPath,
      DEPLOY_KNOWN_HOSTS_FILE: knownHostsFile,
      DEPLOY_DIR: deployDir,
      DEPLOY_PROXY_ADDRESS: '127.0.0.1',
      DEPLOY_PROXY_PORT: String(proxyPort),
      DEPLOY_PROXY_TLS_PORT: String(proxyTlsPort),
    },
    onHost,
    async stop() {
      // Files the deploy user wrote: removed from inside, where their owner exists.
      await $({
        quiet: true,
        nothrow: true,
      })`docker exec ${hostName} find ${deployDir} -mindepth 1 -delete`;
      await $({ quiet: true, nothrow: true })`docker rm -f -v ${hostName} ${registryName}`;
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
