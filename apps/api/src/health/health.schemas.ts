import { z } from 'zod';

export const healthySchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Healthy' });

const checkResultSchema = z
  .enum(['ok', 'failed'])
  .meta({ description: 'The reason of a failure is logged, not answered: it may name hosts' });

export const unavailableSchema = z
  .strictObject({
    status: z.literal('unavailable'),
    checks: z
      .strictObject({ postgres: checkResultSchema, redis: checkResultSchema })
      .meta({ description: 'Each dependency: `ok` or `failed`' }),
  })
  .meta({
    id: 'Unavailable',
    examples: [
      {
        status: 'unavailable',
        checks: { postgres: 'ok', redis: 'failed' },
      },
    ],
  });

export type CheckResult = z.infer<typeof checkResultSchema>;
export type Healthy = z.infer<typeof healthySchema>;
export type Unavailable = z.infer<typeof unavailableSchema>;
