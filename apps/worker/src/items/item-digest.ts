import { createHash } from 'node:crypto';

/** Whitespace-separated words of the title and description together. */
export function countWords(title: string, description: string | null): number {
  const text = `${title} ${description ?? ''}`.trim();
  return text === '' ? 0 : text.split(/\s+/u).length;
}

/** Hex SHA-256 of the description; an item without one hashes the empty string. */
export function descriptionChecksum(description: string | null): string {
  return createHash('sha256')
    .update(description ?? '', 'utf8')
    .digest('hex');
}
