import { Inject, Injectable } from '@nestjs/common';
import { runPrepared, type ItemRow as DbItemRow, type PreparedStatement } from '@starter/db';
import type { ProcessItemResult } from '@starter/queue';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../infrastructure/database.provider';
import { countWords, descriptionChecksum } from './item-digest';

// Every job runs these: prepared statements, without TypeORM's query runner.
const LOAD_ITEM: PreparedStatement = {
  name: 'worker-load-item',
  text: 'SELECT title, description, status, word_count, checksum FROM items WHERE id = $1',
};
const MARK_DONE: PreparedStatement = {
  name: 'worker-mark-done',
  text: `UPDATE items SET status = 'done', word_count = $2, checksum = $3, processed_at = now()
         WHERE id = $1 AND status <> 'done'`,
};

/** A failure reason is an error message; a stack or a driver's dump is cut here. */
const FAILURE_REASON_MAX_LENGTH = 1_000;

@Injectable()
export class ItemProcessingService {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * Computes the item's word count and checksum and marks it done. The write is one conditional
   * UPDATE (... WHERE status <> 'done'), so repeated, retried or concurrent runs apply it once and
   * later runs leave the row, processed_at included, untouched.
   */
  async process(itemId: string): Promise<ProcessItemResult> {
    const item = await this.load(itemId);
    if (!item) return { outcome: 'item_deleted', item_id: itemId };
    if (item.status === 'done') return alreadyProcessed(itemId, item);

    const wordCount = countWords(item.title, item.description);
    const checksum = descriptionChecksum(item.description);
    const { rowCount } = await runPrepared(this.dataSource, MARK_DONE, [
      itemId,
      wordCount,
      checksum,
    ]);
    if (rowCount === 1) {
      return { outcome: 'processed', item_id: itemId, word_count: wordCount, checksum };
    }
    // Another run got there first, or the item was deleted since it was read.
    const current = await this.load(itemId);
    return current
      ? alreadyProcessed(itemId, current)
      : { outcome: 'item_deleted', item_id: itemId };
  }

  /**
   * Records that the item's job failed for good. Only a pending item changes: one already done
   * (by an earlier attempt whose result was lost) stays done.
   */
  async markFailed(itemId: string, reason: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE items SET status = 'failed', failure_reason = $2 WHERE id = $1 AND status = 'pending'`,
      [itemId, reason.slice(0, FAILURE_REASON_MAX_LENGTH)],
    );
    return affected === 1;
  }

  private async load(itemId: string): Promise<ItemRow | undefined> {
    return (await runPrepared<ItemRow>(this.dataSource, LOAD_ITEM, [itemId])).rows[0];
  }
}

/** The columns processing reads. */
type ItemRow = Pick<DbItemRow, 'title' | 'description' | 'status' | 'word_count' | 'checksum'>;

function alreadyProcessed(itemId: string, item: ItemRow): ProcessItemResult {
  return {
    outcome: 'already_processed',
    item_id: itemId,
    word_count: item.word_count ?? 0,
    checksum: item.checksum ?? '',
  };
}
