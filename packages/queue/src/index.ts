export * from './jobs/process-item.job';
export * from './jobs/sweep-pending-items.job';
export * from './job-options';
export * from './producer';
export * from './queues';
export * from './redis-connection';
export * from './redis-policy';
