import { Controller, Get, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Operation } from '../common/api-operation.decorator';
import { withTimeout } from '../common/with-timeout';
import { REDIS } from '../queue/queue.module';
import {
  healthySchema,
  unavailableSchema,
  type CheckResult,
  type Healthy,
  type Unavailable,
} from './health.schemas';

const CHECK_TIMEOUT_MS = 1_000;
const logger = new Logger('HealthController');

/** The answer says only `failed`; the driver's message, which may leak hosts, goes to the log. */
async function check(name: string, probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    logger.warn(`readiness: ${name} failed: ${(error as Error).message}`);
    return 'failed';
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The process is up. Touches no dependency, so a database outage never restarts containers. */
  @Get('live')
  @Operation({
    id: 'live',
    summary: 'Liveness: the process is up',
    description: 'Touches no dependency.',
    public: true,
    responses: { 200: { description: 'Up', schema: healthySchema } },
  })
  live(): Healthy {
    return { status: 'ok' };
  }

  /** Ready to serve: PostgreSQL and Redis both answer. */
  @Get('ready')
  @Operation({
    id: 'ready',
    summary: 'Readiness: PostgreSQL and Redis answer',
    public: true,
    responses: {
      200: { description: 'Ready to serve', schema: healthySchema },
      503: { description: 'A dependency does not answer', schema: unavailableSchema },
    },
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Healthy | Unavailable> {
    const [postgres, redis] = await Promise.all([
      check('postgres', () => this.dataSource.query('SELECT 1')),
      check('redis', () => this.redis.ping()),
    ]);
    if (postgres === 'ok' && redis === 'ok') return { status: 'ok' };
    void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'unavailable', checks: { postgres, redis } };
  }
}
