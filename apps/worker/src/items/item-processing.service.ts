import { Inject, Injectable } from '@nestjs/common';
import { Item } from '@starter/db';
import type { ProcessItemResult } from '@starter/queue';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/database.provider';
import { countWords, descriptionChecksum } from './item-digest';

@Injectable()
export class ItemProcessingService {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * Computes the item's word count and checksum and marks it done. The write is one conditional
   * UPDATE (... WHERE status <> 'done'), so repeated, retried or concurrent runs apply it once and
   * later runs leave the row, processed_at included, untouched.
   */
  async process(itemId: string): Promise<ProcessItemResult> {
    const items = this.dataSource.getRepository(Item);
    const item = await items.findOneBy({ id: itemId });
    if (!item) return { outcome: 'item_deleted', item_id: itemId };
    if (item.status === 'done') return this.alreadyProcessed(item);

    const wordCount = countWords(item.title, item.description);
    const checksum = descriptionChecksum(item.description);
    const { affected } = await items
      .createQueryBuilder()
      .update()
      .set({ status: 'done', wordCount, checksum, processedAt: () => 'now()' })
      .where('id = :id AND status <> :done', { id: itemId, done: 'done' })
      .execute();
    if (affected === 1) {
      return { outcome: 'processed', item_id: itemId, word_count: wordCount, checksum };
    }
    // Another run got there first, or the item was deleted since it was read.
    const current = await items.findOneBy({ id: itemId });
    return current ? this.alreadyProcessed(current) : { outcome: 'item_deleted', item_id: itemId };
  }

  private alreadyProcessed(item: Item): ProcessItemResult {
    return {
      outcome: 'already_processed',
      item_id: item.id,
      word_count: item.wordCount ?? 0,
      checksum: item.checksum ?? '',
    };
  }
}
