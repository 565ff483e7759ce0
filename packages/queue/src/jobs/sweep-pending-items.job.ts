import { z } from 'zod';
import { QUEUES } from '../queues';

export const SWEEP_PENDING_ITEMS_JOB = 'sweep-pending-items';
export const SWEEP_PENDING_ITEMS_QUEUE = QUEUES.maintenance;

export const sweepPendingItemsPayloadSchema = z.strictObject({});

export type SweepPendingItemsPayload = z.infer<typeof sweepPendingItemsPayloadSchema>;

/** What one sweep did with the items it found pending past the threshold. */
export interface SweepPendingItemsResult {
  /** Had no job (the enqueue after the insert never happened, or the job was pruned): enqueued. */
  enqueued: number;
  /** Their job had failed for good without the item being marked: marked failed. */
  marked_failed: number;
  /** Their job is still waiting, delayed or running: left alone. */
  live: number;
}
