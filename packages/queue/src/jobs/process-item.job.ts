import { z } from 'zod';
import { QUEUES } from '../queues';

export const PROCESS_ITEM_JOB = 'process-item';
export const PROCESS_ITEM_QUEUE = QUEUES.items;

export const processItemPayloadSchema = z.strictObject({
  itemId: z.uuid(),
});

export type ProcessItemPayload = z.infer<typeof processItemPayloadSchema>;

export type ProcessItemResult =
  | { outcome: 'processed'; item_id: string; word_count: number; checksum: string }
  | { outcome: 'already_processed'; item_id: string; word_count: number; checksum: string }
  | { outcome: 'item_deleted'; item_id: string };

/**
 * One job id per item: BullMQ ignores an add whose id already exists, so enqueuing the same item
 * twice processes it once. (BullMQ reserves ':' in ids.)
 */
export function processItemJobId(itemId: string): string {
  return `${PROCESS_ITEM_JOB}-${itemId}`;
}

/** The item id a process-item job id was made from; undefined for any other string. */
export function itemIdFromJobId(jobId: string): string | undefined {
  const prefix = processItemJobId('');
  return jobId.startsWith(prefix) ? jobId.slice(prefix.length) : undefined;
}
