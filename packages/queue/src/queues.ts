/** Every queue the system uses. Producers and workers import these; no queue name is typed twice. */
export const QUEUES = {
  items: 'items',
  /** Periodic housekeeping the workers schedule for themselves (the pending-items sweep). */
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
