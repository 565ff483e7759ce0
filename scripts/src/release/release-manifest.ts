import { IMAGES, type ImageName, type RegistryConfig } from '@starter/config';
import { z } from 'zod';
import type { Registry } from '../lib/registry';

/**
 * A release as release:push recorded it in the registry, beside its images: a layerless image
 * tagged manifest-<tag> in the api repository whose label holds this record. Deploys take the
 * digests from it, so every environment runs the very images that were pushed once.
 */
export const MANIFEST_LABEL = 'org.starter.release';

const DIGEST = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be a sha256 digest');

export const releaseManifestSchema = z.object({
  tag: z.string().min(1),
  /** The full commit SHA the images were built from. */
  commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full commit SHA'),
  digests: z.object(
    Object.fromEntries(Object.keys(IMAGES).map((image) => [image, DIGEST])) as Record<
      ImageName,
      typeof DIGEST
    >,
  ),
  /** When the api image was built, as Docker recorded it. */
  built: z.string().min(1),
  /** The workflow run that pushed it, when a workflow did. */
  ciRun: z.string().min(1).optional(),
});

export type ReleaseManifest = z.output<typeof releaseManifestSchema>;

export function manifestTag(tag: string): string {
  return `manifest-${tag}`;
}

/** Where the manifest of `tag` lives, e.g. 127.0.0.1:5000/starter-api:manifest-0123456789ab. */
export function manifestReference(config: RegistryConfig, tag: string): string {
  return `${config.registry}/${config.repositories.api}:${manifestTag(tag)}`;
}

/** The labels of the manifest image, for `docker build --label`. */
export function manifestLabels(manifest: ReleaseManifest): Record<string, string> {
  return { [MANIFEST_LABEL]: JSON.stringify(manifest) };
}

/** The manifest of `tag`, or undefined if release:push never recorded one. */
export async function readReleaseManifest(
  registry: Registry,
  config: RegistryConfig,
  tag: string,
): Promise<ReleaseManifest | undefined> {
  const reference = manifestReference(config, tag);
  const labels = await registry.labels(config.repositories.api, manifestTag(tag));
  if (labels === undefined) return undefined;
  const raw = labels[MANIFEST_LABEL];
  if (raw === undefined) throw new Error(`${reference} has no ${MANIFEST_LABEL} label`);
  const parsed = releaseManifestSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new Error(
      `${reference} is not a release manifest: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
    );
  }
  if (parsed.data.tag !== tag) {
    throw new Error(`${reference} is the manifest of ${parsed.data.tag}, not of ${tag}`);
  }
  return parsed.data;
}

/** The manifest a deploy needs: missing, it names the verb that records it. */
export async function requireReleaseManifest(
  registry: Registry,
  config: RegistryConfig,
  tag: string,
): Promise<ReleaseManifest> {
  const manifest = await readReleaseManifest(registry, config, tag);
  if (!manifest) {
    throw new Error(
      `${manifestReference(config, tag)} is not in the registry: run pnpm release:push (it records the release manifest; images already pushed are kept)`,
    );
  }
  return manifest;
}

/** Refuses digests that are not the manifest's: the images a release was pushed with are the release. */
export function checkDigests(
  manifest: ReleaseManifest,
  digests: Record<ImageName, string>,
  where: string,
): void {
  for (const image of Object.keys(IMAGES) as ImageName[]) {
    if (digests[image] !== manifest.digests[image]) {
      throw new Error(
        `${where} has ${image} ${digests[image]}, but the release manifest of ${manifest.tag} says ${manifest.digests[image]}`,
      );
    }
  }
}
