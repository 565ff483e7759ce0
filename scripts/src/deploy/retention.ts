/** The newest `keep` distinct releases of the history (oldest first), newest first. */
export function retainedReleases(history: string[], keep: number): string[] {
  const retained: string[] = [];
  for (const tag of [...history].reverse()) {
    if (tag && !retained.includes(tag)) retained.push(tag);
    if (retained.length === keep) break;
  }
  return retained;
}

/** Releases the host can switch to without a pull: their files and both images are there. */
export function availableReleases(
  releaseDirs: string[],
  localImages: string[],
  repositories: string[],
): string[] {
  return releaseDirs.filter((tag) =>
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
