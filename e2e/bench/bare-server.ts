import { createSecretKey, randomUUID } from 'node:crypto';
import {
  createItemsQueue,
  createRedisConnection,
  enqueueProcessItem,
  processItemJobId,
} from '@starter/queue';
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';

/**
 * The benchmark's ceiling for `read` and `write`: the same work as the API (verify the JWT, load
 * the user, load or insert the item, enqueue through the shared queue package) with Fastify and
 * `pg` only, no Nest, TypeORM, validation, hooks or request logging. Not an application: it trusts
 * its input and exists to be measured against.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare server: ${name} is not set`);
  return value;
};

const ITEM_COLUMNS =
  'id, owner_id, title, description, status, word_count, checksum, processed_at, created_at, job_id';

interface ItemRow {
  processed_at: Date | null;
  created_at: Date;
  [column: string]: unknown;
}

const toResponse = (row: ItemRow) => ({
  ...row,
  processed_at: row.processed_at?.toISOString() ?? null,
  created_at: row.created_at.toISOString(),
});

async function main(): Promise<void> {
  const secret = createSecretKey(Buffer.from(env('JWT_SECRET'), 'utf8'));
  const pool = new Pool({
    connectionString: env('DATABASE_URL'),
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  });
  const redis = createRedisConnection(env('REDIS_URL'), 'producer');
  const queue = createItemsQueue(redis, env('REDIS_PREFIX'));
  const app = Fastify({ logger: false });

  const authenticate = async (authorization: string | undefined): Promise<string | null> => {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!token) return null;
    let subject: unknown;
    try {
      subject = (jwt.verify(token, secret, { algorithms: ['HS256'] }) as { sub?: unknown }).sub;
    } catch {
      return null;
    }
    if (typeof subject !== 'string') return null;
    const { rows } = await pool.query<{ id: string }>('SELECT id, email FROM users WHERE id = $1', [
      subject,
    ]);
    return rows[0]?.id ?? null;
  };

  app.get('/health', () => ({ status: 'ok' }));

  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const userId = await authenticate(request.headers.authorization);
    if (!userId) return reply.code(401).send({ error: 'unauthorized' });
    const { rows } = await pool.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1 AND owner_id = $2`,
      [request.params.id, userId],
    );
    if (!rows[0]) return reply.code(404).send({ error: 'not_found' });
    return toResponse(rows[0]);
  });

  app.post<{ Body: { title: string; description?: string } }>('/items', async (request, reply) => {
    const userId = await authenticate(request.headers.authorization);
    if (!userId) return reply.code(401).send({ error: 'unauthorized' });
    const id = randomUUID();
    const { rows } = await pool.query<ItemRow>(
      `INSERT INTO items (id, owner_id, title, description, job_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${ITEM_COLUMNS}`,
      [id, userId, request.body.title, request.body.description ?? null, processItemJobId(id)],
    );
    await enqueueProcessItem(queue, { itemId: id });
    return reply.code(201).send(toResponse(rows[0]!));
  });

  const stop = () => {
    void app
      .close()
      .then(() => Promise.all([queue.close(), pool.end()]))
      .then(() => {
        redis.disconnect();
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  await app.listen({ host: '127.0.0.1', port: Number(env('PORT')) });
}

main().catch((error: unknown) => {
  console.error('bare server failed:', error);
  process.exit(1);
});
