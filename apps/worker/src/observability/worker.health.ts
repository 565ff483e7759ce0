import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from '@starter/logging';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';
import { REDIS } from '../infrastructure/redis.provider';
import { WORKERS, type WorkerBase } from '../workers/worker-base';
import { LOGGER } from './logger';
import { WorkerMetrics } from './worker-metrics';

/**
 * GET /health (200 when Redis is connected and every worker is consuming, 503 otherwise: Docker's
 * healthcheck and the orchestrator read it) and GET /metrics (Prometheus), on their own port since
 * the worker serves no other HTTP.
 */
@Injectable()
export class WorkerHealth implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: Server;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(WORKERS) private readonly workers: WorkerBase<unknown, unknown>[],
    @Inject(WorkerMetrics) private readonly metrics: WorkerMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.server = createServer((request, response) => {
      void this.handle(request.method, request.url).then(
        ({ status, type, body }) => response.writeHead(status, { 'content-type': type }).end(body),
        (error: unknown) => {
          this.logger.error({ err: error }, 'health endpoint failed');
          response.writeHead(500).end();
        },
      );
    });
  }

  status(): { healthy: boolean; redis: string; workers: Record<string, string> } {
    const workers = Object.fromEntries(this.workers.map((w) => [w.queueName, w.state()]));
    const healthy =
      this.redis.status === 'ready' && Object.values(workers).every((state) => state === 'running');
    return { healthy, redis: this.redis.status, workers };
  }

  private async handle(
    method: string | undefined,
    url: string | undefined,
  ): Promise<{ status: number; type: string; body: string }> {
    const path = url?.split('?')[0];
    if (method === 'GET' && path === '/health') {
      const status = this.status();
      return {
        status: status.healthy ? 200 : 503,
        type: 'application/json',
        body: JSON.stringify({ status: status.healthy ? 'ok' : 'unavailable', ...status }),
      };
    }
    if (method === 'GET' && path === '/metrics') {
      return {
        status: 200,
        type: this.metrics.registry.contentType,
        body: await this.metrics.registry.metrics(),
      };
    }
    return { status: 404, type: 'text/plain', body: 'not found' };
  }

  async onApplicationBootstrap(): Promise<void> {
    const { WORKER_HEALTH_HOST: host, WORKER_HEALTH_PORT: requestedPort } = this.config.env;
    this.server.listen(requestedPort, host);
    await once(this.server, 'listening');
    // The bound port: with WORKER_HEALTH_PORT=0 the OS picks it and this line is where to read it.
    const { port } = this.server.address() as AddressInfo;
    this.logger.info({ host, port }, 'health and metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
