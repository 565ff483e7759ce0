import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { createDataSource, databaseOptionsFromEnv } from '@starter/db';
import type { DataSource } from 'typeorm';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';

export const DATA_SOURCE = Symbol('DATA_SOURCE');

/**
 * initialize() opens a first connection, so a worker without its database fails at boot; once
 * running, a lost database only fails job attempts, which are retried with backoff.
 */
export const dataSourceProvider: Provider = {
  provide: DATA_SOURCE,
  useFactory: async (config: WorkerConfig): Promise<DataSource> => {
    const dataSource = createDataSource(databaseOptionsFromEnv(config.env, 'worker'));
    return dataSource.initialize();
  },
  inject: [WORKER_CONFIG],
};

@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}
