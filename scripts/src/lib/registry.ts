import { BatchGetImageCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { DeployConfig, RegistryConfig } from '@starter/config';
import { $ } from 'zx';
import { explainAwsError } from './aws-errors';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** An image as the registry holds it. `configDigest` equals the local image ID of the same build. */
export interface RemoteImage {
  manifestDigest: string;
  configDigest: string;
}

export interface Registry {
  readonly host: string;
  /** Short-lived credentials for `docker login --password-stdin`, or none (already logged in). */
  credentials(): Promise<RegistryCredentials | undefined>;
  /** The image behind repository:tag, or undefined if the tag does not exist. */
  inspect(repository: string, tag: string): Promise<RemoteImage | undefined>;
}

const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];

function configDigestOf(manifestJson: string, reference: string): string {
  const manifest = JSON.parse(manifestJson) as { config?: { digest?: string } };
  if (!manifest.config?.digest) {
    throw new Error(`${reference} is not a single-platform image manifest (no config digest)`);
  }
  return manifest.config.digest;
}

export function ecrRegistry(host: string, client: ECRClient): Registry {
  return {
    host,
    async credentials() {
      let token: string | undefined;
      try {
        const output = await client.send(new GetAuthorizationTokenCommand({}));
        token = output.authorizationData?.[0]?.authorizationToken;
      } catch (error) {
        throw explainAwsError(error, `ECR login to ${host}`);
      }
      if (!token) throw new Error(`ECR login to ${host}: GetAuthorizationToken returned no token`);
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator <= 0) throw new Error(`ECR login to ${host}: the token is not user:password`);
      return { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
    },
    async inspect(repository, tag) {
      const reference = `${host}/${repository}:${tag}`;
      let output;
      try {
        output = await client.send(
          new BatchGetImageCommand({
            repositoryName: repository,
            imageIds: [{ imageTag: tag }],
            acceptedMediaTypes: MANIFEST_MEDIA_TYPES,
          }),
        );
      } catch (error) {
        if (error instanceof Error && error.name === 'RepositoryNotFoundException') {
          throw new Error(
            `ECR repository ${repository} does not exist in ${host}: create it first (pnpm infra:deploy)`,
            { cause: error },
          );
        }
        throw explainAwsError(error, `looking up ${reference}`);
      }
      const image = output.images?.[0];
      if (!image) {
        const failure = output.failures?.[0];
        if (
          !failure ||
          ['ImageNotFound', 'ImageTagDoesNotExist'].includes(failure.failureCode ?? '')
        ) {
          return undefined;
        }
        throw new Error(
          `looking up ${reference}: ${failure.failureCode}: ${failure.failureReason}`,
        );
      }
      if (!image.imageId?.imageDigest || !image.imageManifest) {
        throw new Error(`looking up ${reference}: ECR returned no manifest`);
      }
      return {
        manifestDigest: image.imageId.imageDigest,
        configDigest: configDigestOf(image.imageManifest, reference),
      };
    },
  };
}

/** A registry reached with plain `docker login` credentials: a local registry:2, GHCR, … */
export function dockerRegistry(host: string, credentials?: RegistryCredentials): Registry {
  return {
    host,
    credentials: () => Promise.resolve(credentials),
    async inspect(repository, tag) {
      const reference = `${host}/${repository}:${tag}`;
      // --insecure lets it talk plain HTTP to a local registry; TLS registries still use TLS.
      const output = await $({
        nothrow: true,
        quiet: true,
      })`docker manifest inspect --insecure -v ${reference}`;
      if (output.exitCode !== 0) {
        if (/no such manifest|manifest unknown|not found/i.test(output.stderr)) return undefined;
        throw new Error(`looking up ${reference}: ${output.stderr.trim()}`);
      }
      const verbose = JSON.parse(output.stdout) as {
        Descriptor: { digest: string };
        SchemaV2Manifest?: unknown;
        OCIManifest?: unknown;
      };
      const manifest = verbose.SchemaV2Manifest ?? verbose.OCIManifest;
      return {
        manifestDigest: verbose.Descriptor.digest,
        configDigest: configDigestOf(JSON.stringify(manifest ?? {}), reference),
      };
    },
  };
}

export function createRegistry(
  config: RegistryConfig & Partial<Pick<DeployConfig, 'registryCredentials'>>,
): Registry {
  if (config.ecr) return ecrRegistry(config.registry, new ECRClient({ region: config.ecr.region }));
  return dockerRegistry(config.registry, config.registryCredentials);
}

/** `docker login` on this machine; the password goes through stdin, never argv or a log. */
export async function dockerLogin(registry: Registry): Promise<void> {
  const credentials = await registry.credentials();
  if (!credentials) return;
  await $({
    input: credentials.password,
    quiet: true,
  })`docker login --username ${credentials.username} --password-stdin ${registry.host}`;
}
