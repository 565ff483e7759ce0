import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { proxyRequest } from './proxy-client';
import { waitFor } from './stack';

const IMAGE = 'starter-rehearsal-acme';
const IMAGE_DIR = path.join(__dirname, 'acme-server');
/** Pebble's name on the app's edge network, the one its listener's certificate is for. */
const NAME_ON_NETWORK = 'pebble';

/** A real ACME server for one app: Let's Encrypt's Pebble, on the app's edge network. */
export interface AcmeServer {
  /** The ACME directory, as the proxy reaches it. */
  directory: string;
  /** A file with the root of Pebble's own HTTPS (DEPLOY_ACME_CA_ROOT). */
  listenerRootFile: string;
  /** The root the certificates Pebble issues chain to (generated at its start). */
  issuingRoot: string;
  /** Serials of every certificate Pebble issued, in order, from its log. */
  issuedSerials(): Promise<string[]>;
  /** The HTTP-01 challenge URLs Pebble requested (at the proxy's port 80), from its log. */
  httpChallenges(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts Pebble on `<app>-edge` (created here, as the deploy would) where the proxy's container
 * will be: the proxy reaches the directory at pebble:14000, and Pebble validates the HTTP-01
 * challenge at the proxy's own port 80, resolving the domain with Docker's DNS.
 */
export async function startAcmeServer(app: string, scratch: string): Promise<AcmeServer> {
  const name = `${app}-acme`;
  const network = `${app}-edge`;
  await $({ quiet: true })`docker build -q -t ${IMAGE} ${IMAGE_DIR}`;
  await $({ quiet: true, nothrow: true })`docker network create ${network}`;
  await $({
    quiet: true,
  })`docker run -d --name ${name} --network ${network} --network-alias ${NAME_ON_NETWORK} -p 127.0.0.1::15000 ${IMAGE}`;
  const listenerRootFile = path.join(scratch, 'acme-listener-root.pem');
  await $({ quiet: true })`docker cp ${`${name}:/etc/pebble/cert.pem`} ${listenerRootFile}`;
  const logs = async () => {
    const output = await $({ quiet: true })`docker logs ${name}`;
    return `${output.stdout}${output.stderr}`;
  };
  await waitFor('Pebble', async () =>
    (await logs()).includes('ACME directory available') ? true : undefined,
  );
  const port = (await $({ quiet: true })`docker port ${name} 15000/tcp`).stdout
    .trim()
    .split(':')
    .at(-1);
  const root = await proxyRequest(
    { url: `https://127.0.0.1:${port}`, ca: readFileSync(listenerRootFile, 'utf8') },
    '/roots/0',
  );
  if (root.status !== 200) throw new Error(`Pebble's root: HTTP ${root.status}`);
  return {
    directory: `https://${NAME_ON_NETWORK}:14000/dir`,
    listenerRootFile,
    issuingRoot: root.body,
    issuedSerials: async () =>
      [...(await logs()).matchAll(/Issued certificate serial ([0-9a-f]+)/g)].map(
        (match) => match[1]!,
      ),
    httpChallenges: async () =>
      [...(await logs()).matchAll(/Attempting to validate w\/ HTTP: (\S+)/g)].map(
        (match) => match[1]!,
      ),
    async stop() {
      await $({ quiet: true, nothrow: true })`docker rm -f -v ${name}`;
    },
  };
}
