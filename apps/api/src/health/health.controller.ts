import { Controller, Get, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { withTimeout } from '../common/with-timeout';
import { REDIS } from '../queue/queue.module';

const CHECK_TIMEOUT_MS = 1_000;
const logger = new Logger('HealthController');

/** The answer names the dependency; the driver's message, which may leak hosts, goes to the log. */
async function check(name: string, probe: () => Promise<unknown>): Promise<[string, string]> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS);
    return [name, 'ok'];
  } catch (error) {
    logger.warn(`readiness: ${name} failed: ${(error as Error).message}`);
    return [name, 'failed'];
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
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: PostgreSQL and Redis both answer. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks = Object.fromEntries(
      await Promise.all([
        check('postgres', () => this.dataSource.query('SELECT 1')),
        check('redis', () => this.redis.ping()),
      ]),
    );
    const ok = Object.values(checks).every((result) => result === 'ok');
    if (ok) return { status: 'ok' };
    void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'unavailable', checks };
  }
}
