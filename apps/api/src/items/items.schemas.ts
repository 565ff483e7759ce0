import { ITEM_DESCRIPTION_MAX_LENGTH, ITEM_TITLE_MAX_LENGTH } from '@starter/db';
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

export type CreateItemBody = z.infer<typeof createItemSchema>;
export type ListItemsQuery = z.infer<typeof listItemsQuerySchema>;
