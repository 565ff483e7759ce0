/** The newest `keep` distinct releases of the history (oldest first), newest first. */
export function retainedReleases(history: string[], keep: number): string[] {
  const retained: string[] = [];
  for (const tag of [...history].reverse()) {
    if (tag && !retained.includes(tag)) retained.push(tag);
    if (retained.length === keep) break;
  }
  return retained;
}

/**
 * Releases the host can switch back to without a pull, newest first: they went live once and their
 * files and both images are still there.
 */
export function availableReleases(
  history: string[],
  releaseDirs: string[],
  localImages: string[],
  repositories: string[],
): string[] {
  return retainedReleases(history, Number.POSITIVE_INFINITY).filter(
    (tag) =>
      releaseDirs.includes(tag) &&
      repositories.every((repository) => localImages.includes(`${repository}:${tag}`)),
  );
}

/** This project's images (repository:tag) that belong to no retained release. */
export function imagesToDelete(
  localImages: string[],
  repositories: string[],
  retained: string[],
): string[] {
  return localImages.filter((image) => {
    const separator = image.lastIndexOf(':');
    const repository = image.slice(0, separator);
    return repositories.includes(repository) && !retained.includes(image.slice(separator + 1));
  });
}
