/**
 * The images this repository ships: repository name in the registry and the Dockerfile that builds
 * it. Scripts, compose files (through IMAGE_* variables) and workflows derive their names from here.
 */
export const IMAGES = {
  api: { repository: 'starter-api', dockerfile: 'Dockerfile.app' },
  worker: { repository: 'starter-worker', dockerfile: 'Dockerfile.worker' },
} as const;

export type ImageName = keyof typeof IMAGES;

/** Releases are tagged with the first 12 characters of the commit SHA. */
export const IMAGE_TAG_LENGTH = 12;
