/** Where `release:build` keeps its BuildKit layer cache; `local` is the builder's own. */
export const BUILD_CACHES = ['local', 'gha'] as const;
export type BuildCache = (typeof BUILD_CACHES)[number];

export function parseBuildCache(value: string | undefined): BuildCache {
  const cache = value ?? 'local';
  if (!(BUILD_CACHES as readonly string[]).includes(cache)) {
    throw new Error(`--cache must be one of ${BUILD_CACHES.join(', ')}, not "${cache}"`);
  }
  return cache as BuildCache;
}

export interface ImageBuild {
  dockerfile: string;
  reference: string;
  /** Scope of the image's entries in a shared cache: the api and worker layers must not evict each other. */
  repository: string;
  context: string;
  /** Full commit SHA, the image's org.opencontainers.image.revision label (build arg REVISION). */
  revision: string;
  /** Where the source lives, the org.opencontainers.image.source label (build arg SOURCE). */
  source: string | undefined;
  /** The release tag, the org.opencontainers.image.version label. */
  tag: string;
  /** Commit time in seconds since the epoch. */
  commitEpoch: number;
  cache: BuildCache;
}

/** The docker command line (after `docker`) that builds one image of a release. */
export function buildCommand(build: ImageBuild): string[] {
  const cache =
    build.cache === 'gha'
      ? [
          // The GitHub Actions cache needs a BuildKit container builder (docker/setup-buildx-action),
          // whose images live outside the daemon until --load copies them in for release:push.
          'buildx',
          'build',
          '--load',
          '--cache-from',
          `type=gha,scope=${build.repository}`,
          // mode=max also keeps the dependency stages; a cache hiccup must not fail a release.
          '--cache-to',
          `type=gha,scope=${build.repository},mode=max,ignore-error=true`,
        ]
      : ['build'];
  return [
    ...cache,
    // A plain image, not an image index carrying attestations: with the containerd image store
    // (Docker 29, GitHub's runners) BuildKit adds a provenance attestation by default. The
    // registry client accepts indexes too; this keeps the pushed release a single manifest.
    '--provenance=false',
    '--sbom=false',
    '-f',
    build.dockerfile,
    '-t',
    build.reference,
    '--build-arg',
    `REVISION=${build.revision}`,
    ...(build.source ? ['--build-arg', `SOURCE=${build.source}`] : []),
    // Timestamps from the commit instead of the clock: rebuilding a commit from cache gives the
    // same image ID, so release:push of an already-pushed release finds it identical, not clashing.
    '--build-arg',
    `SOURCE_DATE_EPOCH=${build.commitEpoch}`,
    '--label',
    `org.opencontainers.image.version=${build.tag}`,
    build.context,
  ];
}

/** An origin URL fit for a public label: credentials embedded in an HTTPS remote are dropped. */
export function sourceLabel(originUrl: string): string | undefined {
  const url = originUrl.trim();
  return url ? url.replace(/^(https?:\/\/)[^@/]+@/, '$1') : undefined;
}
