import { ITEM_DESCRIPTION_MAX_LENGTH, ITEM_STATUSES, ITEM_TITLE_MAX_LENGTH } from '@starter/db';
import { z } from 'zod';
import { multiLineText, singleLineText } from '../common/text.schemas';

export const createItemSchema = z.strictObject({
  title: singleLineText().min(1, 'must not be empty').max(ITEM_TITLE_MAX_LENGTH),
  description: multiLineText().max(ITEM_DESCRIPTION_MAX_LENGTH).nullish(),
});

export const listItemsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

export const itemSchema = z
  .strictObject({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.enum(ITEM_STATUSES).meta({
      description:
        '`pending` until the worker has processed the item, then `done`; `failed` if its job ' +
        'failed for good (see `failure_reason`)',
    }),
    owner_id: z.uuid(),
    word_count: z
      .int()
      .min(0)
      .nullable()
      .meta({ description: 'Whitespace-separated words of title and description, once done' }),
    checksum: z
      .string()
      .nullable()
      .meta({ description: 'Hex SHA-256 of the description, once done' }),
    processed_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    job_id: z
      .string()
      .nullable()
      .meta({ description: 'The `process-item` job, readable at `GET /jobs/{jobId}`' }),
    failure_reason: z
      .string()
      .nullable()
      .meta({ description: 'Why processing failed for good, when `status` is `failed`' }),
  })
  .meta({
    id: 'Item',
    examples: [
      {
        id: '0b5f8a3e-2c1d-4e6f-9a8b-7c6d5e4f3a2b',
        title: 'First item',
        description: 'Some words here',
        status: 'done',
        owner_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
        word_count: 5,
        checksum: 'c2b5b8e2a1a6d4f8e5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1',
        processed_at: '2026-01-01T12:00:01.250Z',
        created_at: '2026-01-01T12:00:00.000Z',
        job_id: 'process-item-0b5f8a3e-2c1d-4e6f-9a8b-7c6d5e4f3a2b',
        failure_reason: null,
      },
    ],
  });

export const itemListSchema = z
  .strictObject({
    items: z.array(itemSchema).meta({ description: 'The page, newest first' }),
    total: z.int().min(0).meta({ description: 'How many items the caller has in all' }),
  })
  .meta({ id: 'ItemList' });

export type CreateItemBody = z.infer<typeof createItemSchema>;
export type ListItemsQuery = z.infer<typeof listItemsQuerySchema>;
export type ItemResponse = z.infer<typeof itemSchema>;
export type ItemListResponse = z.infer<typeof itemListSchema>;
