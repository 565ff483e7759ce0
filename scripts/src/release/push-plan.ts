import type { RemoteImage } from '../lib/registry';

/**
 * What to do with one image: push it, or nothing because the registry already holds this very
 * build. A tag that points to another build is never overwritten: a release must stay what it was
 * when it was tested and deployed.
 */
export function pushAction(
  reference: string,
  localImageId: string,
  remote: RemoteImage | undefined,
): 'push' | 'already-pushed' {
  if (!remote) return 'push';
  // The classic image store's image ID is the config digest; the containerd store's is the digest of
  // the manifest (or index) it pushes.
  if (remote.configDigest === localImageId || remote.manifestDigest === localImageId) {
    return 'already-pushed';
  }
  throw new Error(
    `${reference} already exists in the registry as another build ` +
      `(registry: ${remote.configDigest}, local: ${localImageId}); refusing to overwrite it`,
  );
}
