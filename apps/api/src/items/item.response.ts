import type { Item } from '@starter/db';

export interface ItemResponse {
  id: string;
  title: string;
  description: string | null;
  status: string;
  owner_id: string;
  word_count: number | null;
  checksum: string | null;
  processed_at: string | null;
  created_at: string;
  job_id: string | null;
  /** Why processing failed for good, when `status` is `failed`. */
  failure_reason: string | null;
}

export function toItemResponse(item: Item): ItemResponse {
  return {
    id: item.id,
    title: item.title,
    description: item.description,
    status: item.status,
    owner_id: item.ownerId,
    word_count: item.wordCount,
    checksum: item.checksum,
    processed_at: item.processedAt?.toISOString() ?? null,
    created_at: item.createdAt.toISOString(),
    job_id: item.jobId,
    failure_reason: item.failureReason,
  };
}
