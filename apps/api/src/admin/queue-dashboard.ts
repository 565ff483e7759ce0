import { createHash, timingSafeEqual } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ItemsQueue } from '@starter/queue';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares digests, so neither the length nor the content of the secret leaks through timing. */
function credentialsMatch(header: string | undefined, user: string, password: string): boolean {
  const [scheme, encoded] = (header ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return false;
  return timingSafeEqual(
    digest(Buffer.from(encoded, 'base64').toString()),
    digest(`${user}:${password}`),
  );
}

/**
 * bull-board under /admin/queues behind HTTP Basic auth. Only registered when both credentials are
 * configured: without them the path does not exist, and bull-board is not even loaded (it is about
 * 20 MB of the API's memory).
 */
export async function registerQueueDashboard(
  app: NestFastifyApplication,
  queues: ItemsQueue[],
  credentials: { user: string; password: string },
): Promise<void> {
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const serverAdapter = new FastifyAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  await app.register(
    async (scope: FastifyInstance) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (credentialsMatch(request.headers.authorization, credentials.user, credentials.password))
          return;
        await reply
          .status(401)
          .header('www-authenticate', 'Basic realm="queues", charset="UTF-8"')
          .send({
            status: 401,
            error: 'unauthorized',
            message: 'Queue dashboard credentials required',
            request_id: request.id,
          });
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUE_DASHBOARD_PATH },
  );
}
