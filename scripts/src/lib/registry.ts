import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
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
  /** The labels of the image behind repository:tag (its config), or undefined if there is none. */
  labels(repository: string, tag: string): Promise<Record<string, string> | undefined>;
}

interface ImageConfig {
  config?: { Labels?: Record<string, string> | null };
}

const IMAGE_MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];
const IMAGE_INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
/** What a tag may point to: an image manifest, or an index of them (with attestations). */
export const ACCEPTED_MEDIA_TYPES = [...IMAGE_MANIFEST_TYPES, ...IMAGE_INDEX_TYPES];

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  config?: { digest?: string };
  manifests?: Descriptor[];
}

/** BuildKit's attestation manifests (provenance, SBOM) sit in the index beside the image. */
function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    descriptor.platform?.os === 'unknown'
  );
}

/**
 * The image a tag names, from the manifest it points to: an image manifest, or an image index /
 * manifest list whose one image (beside attestations) is fetched with `fetchManifest`. The
 * manifest digest stays the tag's own, the one a host pulls by.
 */
export async function resolveImage(
  manifestDigest: string,
  manifestJson: string,
  fetchManifest: (digest: string) => Promise<string>,
  reference: string,
): Promise<RemoteImage> {
  const manifest = JSON.parse(manifestJson) as Manifest;
  if (manifest.manifests || IMAGE_INDEX_TYPES.includes(manifest.mediaType ?? '')) {
    const images = (manifest.manifests ?? []).filter((entry) => !isAttestation(entry));
    if (images.length !== 1) {
      const platforms = images.map(({ platform }) => `${platform?.os}/${platform?.architecture}`);
      throw new Error(
        `${reference} is an image index of ${images.length} images (${platforms.join(', ') || 'none'}); a release is one image for the host's platform`,
      );
    }
    const child = JSON.parse(await fetchManifest(images[0]!.digest)) as Manifest;
    return {
      manifestDigest,
      configDigest: configDigestOf(child, `${reference}@${images[0]!.digest}`),
    };
  }
  return { manifestDigest, configDigest: configDigestOf(manifest, reference) };
}

function configDigestOf(manifest: Manifest, reference: string): string {
  if (manifest.mediaType && !IMAGE_MANIFEST_TYPES.includes(manifest.mediaType)) {
    throw new Error(`${reference} is a ${manifest.mediaType}, not an image manifest`);
  }
  if (!manifest.config?.digest) {
    throw new Error(`${reference} is not an image manifest (no config digest)`);
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
    inspect: (repository, tag) => ecrInspect(client, host, repository, tag),
    async labels(repository, tag) {
      const image = await ecrInspect(client, host, repository, tag);
      if (!image) return undefined;
      const reference = `${host}/${repository}:${tag}`;
      let url: string | undefined;
      try {
        const output = await client.send(
          new GetDownloadUrlForLayerCommand({
            repositoryName: repository,
            layerDigest: image.configDigest,
          }),
        );
        url = output.downloadUrl;
      } catch (error) {
        throw explainAwsError(error, `reading the config of ${reference}`);
      }
      if (!url) throw new Error(`reading the config of ${reference}: ECR returned no URL`);
      const response = await fetch(url);
      if (!response.ok) {
        throw new Error(
          `reading the config of ${reference}: ${response.status} ${response.statusText}`,
        );
      }
      return ((await response.json()) as ImageConfig).config?.Labels ?? {};
    },
  };
}

async function ecrInspect(
  client: ECRClient,
  host: string,
  repository: string,
  tag: string,
): Promise<RemoteImage | undefined> {
  const reference = `${host}/${repository}:${tag}`;
  let output;
  try {
    output = await client.send(
      new BatchGetImageCommand({
        repositoryName: repository,
        imageIds: [{ imageTag: tag }],
        acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
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
    if (!failure || ['ImageNotFound', 'ImageTagDoesNotExist'].includes(failure.failureCode ?? '')) {
      return undefined;
    }
    throw new Error(`looking up ${reference}: ${failure.failureCode}: ${failure.failureReason}`);
  }
  if (!image.imageId?.imageDigest || !image.imageManifest) {
    throw new Error(`looking up ${reference}: ECR returned no manifest`);
  }
  return resolveImage(
    image.imageId.imageDigest,
    image.imageManifest,
    async (digest) => {
      const child = await client.send(
        new BatchGetImageCommand({
          repositoryName: repository,
          imageIds: [{ imageDigest: digest }],
          acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
        }),
      );
      const manifest = child.images?.[0]?.imageManifest;
      if (!manifest) throw new Error(`looking up ${reference}@${digest}: ECR returned no manifest`);
      return manifest;
    },
    reference,
  );
}

/** A registry reached with plain `docker login` credentials: a local registry:2, GHCR, … */
export function dockerRegistry(host: string, credentials?: RegistryCredentials): Registry {
  return {
    host,
    credentials: () => Promise.resolve(credentials),
    async inspect(repository, tag) {
      const reference = `${host}/${repository}:${tag}`;
      const raw = await rawManifest(reference);
      if (raw === undefined) return undefined;
      return resolveImage(
        sha256Digest(raw),
        raw,
        async (digest) => {
          const child = await rawManifest(`${host}/${repository}@${digest}`);
          if (child === undefined)
            throw new Error(`${reference}: ${digest} is not in the registry`);
          return child;
        },
        reference,
      );
    },
    async labels(repository, tag) {
      const reference = `${host}/${repository}:${tag}`;
      const output = await $({
        nothrow: true,
        quiet: true,
      })`docker buildx imagetools inspect --format ${'{{json .Image}}'} ${reference}`;
      if (output.exitCode !== 0) {
        if (NOT_FOUND.test(output.stderr)) return undefined;
        throw new Error(`reading the config of ${reference}: ${output.stderr.trim()}`);
      }
      return (JSON.parse(output.stdout) as ImageConfig).config?.Labels ?? {};
    },
  };
}

const NOT_FOUND = /not found|manifest unknown|no such manifest/i;

function sha256Digest(raw: string): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/**
 * The manifest's bytes as the registry serves them, so their sha256 is the digest (a reformatted
 * one, as `docker manifest inspect` prints, would not be); undefined if the tag does not exist.
 * buildx uses the credentials of `docker login` and talks plain HTTP to a local registry.
 */
async function rawManifest(reference: string): Promise<string | undefined> {
  const output = await $({
    nothrow: true,
    quiet: true,
  })`docker buildx imagetools inspect --raw ${reference}`;
  if (output.exitCode !== 0) {
    if (NOT_FOUND.test(output.stderr)) return undefined;
    throw new Error(`looking up ${reference}: ${output.stderr.trim()}`);
  }
  return output.stdout;
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
