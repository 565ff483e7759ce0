import type { Item } from '@starter/db';
import type { ItemResponse } from './items.schemas';

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
