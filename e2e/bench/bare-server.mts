import { randomUUID } from 'node:crypto';
import {
  createItemsQueue,
  createRedisConnection,
  enqueueProcessItem,
  processItemJobId,
} from '@starter/queue';
import { createVerifier } from 'fast-jwt';
import Fastify from 'fastify';
import { Pool } from 'pg';

/**
 * The benchmark's ceiling for `live`, `read`, `list` and `write`: the same work as the API (verify
 * the JWT with its issuer and audience, load the user, read, list or insert items, enqueue through
 * the shared queue package) with Fastify and `pg` only, as fast as those allow: named prepared
 * statements, one round trip per query, a verifier and response serialisers compiled at boot. No
 * Nest, TypeORM, validation, hooks, metrics or request logging. Not an application: it trusts its
 * input and exists to be measured against.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare server: ${name} is not set`);
  return value;
};

const ITEM_COLUMNS =
  'id, owner_id, title, description, status, word_count, checksum, processed_at, created_at, ' +
  'job_id, failure_reason';

const USER_BY_ID = { name: 'bare-user-by-id', text: 'SELECT id, email FROM users WHERE id = $1' };
const ITEM_BY_ID = {
  name: 'bare-item-by-id',
  text: `SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1 AND owner_id = $2`,
};
// The page and the total in one round trip; the total's row is there even for an empty page.
const ITEM_PAGE = {
  name: 'bare-item-page',
  text: `SELECT c.total, i.* FROM (SELECT count(*)::int AS total FROM items WHERE owner_id = $1) c
         LEFT JOIN LATERAL (SELECT ${ITEM_COLUMNS} FROM items WHERE owner_id = $1
           ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3) i ON true`,
};
const INSERT_ITEM = {
  name: 'bare-insert-item',
  text: `INSERT INTO items (id, owner_id, title, description, job_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${ITEM_COLUMNS}`,
};

const nullable = (type: string) => ({ type: [type, 'null'] });
// Dates go out as ISO strings: the serialiser calls toISOString on a Date for format date-time.
const itemJsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    owner_id: { type: 'string' },
    title: { type: 'string' },
    description: nullable('string'),
    status: { type: 'string' },
    word_count: nullable('integer'),
    checksum: nullable('string'),
    processed_at: { ...nullable('string'), format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
    job_id: nullable('string'),
    failure_reason: nullable('string'),
  },
} as const;
const errorJsonSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;

interface ItemRow {
  id: string | null;
  total?: number;
  [column: string]: unknown;
}

async function main(): Promise<void> {
  const verify = createVerifier({
    key: env('JWT_SECRET'),
    algorithms: ['HS256'],
    allowedIss: env('JWT_ISSUER'),
    allowedAud: env('JWT_AUDIENCE'),
  }) as (token: string) => { sub?: unknown };
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
      subject = verify(token).sub;
    } catch {
      return null;
    }
    if (typeof subject !== 'string') return null;
    const { rows } = await pool.query<{ id: string }>({ ...USER_BY_ID, values: [subject] });
    return rows[0]?.id ?? null;
  };

  const responses = (ok: number, schema: object) => ({
    schema: { response: { [ok]: schema, '4xx': errorJsonSchema } },
  });

  app.get(
    '/health/live',
    responses(200, { type: 'object', properties: { status: { type: 'string' } } }),
    () => ({ status: 'ok' }),
  );

  app.get<{ Params: { id: string } }>(
    '/items/:id',
    responses(200, itemJsonSchema),
    async (request, reply) => {
      const userId = await authenticate(request.headers.authorization);
      if (!userId) return reply.code(401).send({ error: 'unauthorized' });
      const { rows } = await pool.query<ItemRow>({
        ...ITEM_BY_ID,
        values: [request.params.id, userId],
      });
      if (!rows[0]) return reply.code(404).send({ error: 'not_found' });
      return rows[0];
    },
  );

  app.get<{ Querystring: { limit?: string; offset?: string } }>(
    '/items',
    responses(200, {
      type: 'object',
      properties: { items: { type: 'array', items: itemJsonSchema }, total: { type: 'integer' } },
    }),
    async (request, reply) => {
      const userId = await authenticate(request.headers.authorization);
      if (!userId) return reply.code(401).send({ error: 'unauthorized' });
      const { limit = '20', offset = '0' } = request.query;
      const { rows } = await pool.query<ItemRow>({
        ...ITEM_PAGE,
        values: [userId, Number(limit), Number(offset)],
      });
      return { items: rows.filter((row) => row.id !== null), total: rows[0]?.total ?? 0 };
    },
  );

  app.post<{ Body: { title: string; description?: string } }>(
    '/items',
    responses(201, itemJsonSchema),
    async (request, reply) => {
      const userId = await authenticate(request.headers.authorization);
      if (!userId) return reply.code(401).send({ error: 'unauthorized' });
      const id = randomUUID();
      const { rows } = await pool.query<ItemRow>({
        ...INSERT_ITEM,
        values: [
          id,
          userId,
          request.body.title,
          request.body.description ?? null,
          processItemJobId(id),
        ],
      });
      await enqueueProcessItem(queue, { itemId: id });
      return reply.code(201).send(rows[0]);
    },
  );

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
