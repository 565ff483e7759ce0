import { z } from 'zod';

export const healthySchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Healthy' });

export const unavailableSchema = z
  .strictObject({
    status: z.literal('unavailable'),
    checks: z
      .strictObject({ postgres: z.string(), redis: z.string() })
      .meta({ description: '`ok`, or `failed: <reason>`, for each dependency' }),
  })
  .meta({
    id: 'Unavailable',
    examples: [
      {
        status: 'unavailable',
        checks: { postgres: 'ok', redis: 'failed: no answer within 1000 ms' },
      },
    ],
  });

export type Healthy = z.infer<typeof healthySchema>;
export type Unavailable = z.infer<typeof unavailableSchema>;
