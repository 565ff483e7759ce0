import { processItemResultSchema } from '@starter/queue';
import { z } from 'zod';

export const JOB_STATES = ['waiting', 'active', 'completed', 'failed'] as const;

export const jobSchema = z
  .strictObject({
    id: z.string(),
    state: z.enum(JOB_STATES).meta({
      description: '`waiting` also covers a job waiting for a retry',
    }),
    // The id goes on the optional wrapper: on the inner schema, zod would wrap the reference in a
    // single-element allOf.
    result: processItemResultSchema
      .optional()
      .meta({ id: 'JobResult', description: 'What the job returned; set once `completed`' }),
    failed_reason: z.string().optional().meta({ description: 'Set once `failed`' }),
  })
  .meta({
    id: 'Job',
    examples: [
      {
        id: 'process-item-0b5f8a3e-2c1d-4e6f-9a8b-7c6d5e4f3a2b',
        state: 'completed',
        result: {
          outcome: 'processed',
          item_id: '0b5f8a3e-2c1d-4e6f-9a8b-7c6d5e4f3a2b',
          word_count: 5,
          checksum: 'c2b5b8e2a1a6d4f8e5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1',
        },
      },
    ],
  });

export type JobState = (typeof JOB_STATES)[number];
export type JobStatus = z.infer<typeof jobSchema>;
