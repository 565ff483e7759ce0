import { z } from 'zod';
import { QUEUES } from '../queues';

export const PROCESS_ITEM_JOB = 'process-item';
export const PROCESS_ITEM_QUEUE = QUEUES.items;

export const processItemPayloadSchema = z.strictObject({
  itemId: z.uuid(),
});

export type ProcessItemPayload = z.infer<typeof processItemPayloadSchema>;

const processedFields = {
  item_id: z.uuid(),
  word_count: z.int().min(0),
  checksum: z.string().meta({ description: 'Hex SHA-256 of the description' }),
};

/** What a `process-item` job returns; the API reports it as the job's `result`. */
export const processItemResultSchema = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.literal('processed'), ...processedFields }),
  z.strictObject({ outcome: z.literal('already_processed'), ...processedFields }),
  z.strictObject({ outcome: z.literal('item_deleted'), item_id: z.uuid() }),
]);

export type ProcessItemResult = z.infer<typeof processItemResultSchema>;

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
