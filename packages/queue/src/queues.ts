/** Every queue the system uses. Producers and workers import these; no queue name is typed twice. */
export const QUEUES = {
  items: 'items',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
