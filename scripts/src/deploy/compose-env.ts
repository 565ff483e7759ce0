import type { DeployConfig, ImageName } from '@starter/config';
import type { HostLayout } from './host-layout';

/** The manifest digest of each image of a release, as the registry reported it. */
export type ReleaseDigests = Record<ImageName, string>;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The variables infra/compose.production.yml is interpolated with (the release's compose.env).
 * Nothing secret: secrets reach the containers through app.env and data.env only.
 */
export function composeVariables(
  config: DeployConfig,
  layout: HostLayout,
  tag: string,
  digests: ReleaseDigests,
): Record<string, string> {
  for (const [image, digest] of Object.entries(digests)) {
    if (!DIGEST.test(digest)) throw new Error(`the ${image} image digest is not sha256: ${digest}`);
  }
  return {
    REGISTRY: config.registry,
    API_REPOSITORY: config.repositories.api,
    WORKER_REPOSITORY: config.repositories.worker,
    IMAGE_TAG: tag,
    // Pulled and run by digest: the very images the registry held at the preflight, whatever
    // happens to the tag meanwhile.
    API_DIGEST: digests.api,
    WORKER_DIGEST: digests.worker,
    EDGE_NETWORK: layout.edgeNetwork,
    DATA_NETWORK: layout.dataNetwork,
    DATA_ENV_FILE: layout.dataEnv,
    PROXY_CONF_DIR: layout.proxyConf,
    PROXY_ADDRESS: config.proxy.address,
    PROXY_PORT: String(config.proxy.port),
    PROXY_TLS_PORT: String(config.proxy.tlsPort),
    HEALTHCHECK_RETRIES: String(config.healthcheckRetries),
    WORKER_STOP_GRACE: `${config.workerStopGraceSeconds}s`,
  };
}

export function renderComposeEnv(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([key, value]) => {
      if (/[\s'"$#\\]/.test(value)) throw new Error(`compose variable ${key} has an unsafe value`);
      return `${key}=${value}\n`;
    })
    .join('');
}
