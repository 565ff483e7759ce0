import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  Item,
  ITEM_ROW_COLUMNS,
  itemFromRow,
  runPrepared,
  type ItemRow,
  type PreparedStatement,
} from '@starter/db';
import { enqueueProcessItem, processItemJobId, type ItemsQueue } from '@starter/queue';
import { DataSource, Repository } from 'typeorm';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { withTimeout } from '../common/with-timeout';
import { ITEMS_QUEUE } from '../queue/queue.module';
import type { CreateItemBody, ListItemsQuery } from './items.schemas';

/**
 * BullMQ waits for its connection before adding a job, indefinitely while Redis is away; a request
 * must not. A job added after this gives up finds its item gone and completes as `item_deleted`.
 */
const ENQUEUE_TIMEOUT_MS = 3_000;

// The routes every client calls run prepared statements, without TypeORM's query building.
const ITEM_BY_ID: PreparedStatement = {
  name: 'api-item-by-id',
  text: `SELECT ${ITEM_ROW_COLUMNS} FROM items WHERE id = $1 AND owner_id = $2`,
};
// The page and the owner's total in one round trip; the total's row is there even for an empty page.
const ITEM_PAGE: PreparedStatement = {
  name: 'api-item-page',
  text: `SELECT c.total, i.* FROM (SELECT count(*)::int AS total FROM items WHERE owner_id = $1) c
         LEFT JOIN LATERAL (SELECT ${ITEM_ROW_COLUMNS} FROM items WHERE owner_id = $1
           ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3) i ON true`,
};
/** A row of ITEM_PAGE: the owner's total, and an item unless the page is empty (id null). */
type PageRow = { total: number } & (ItemRow | { id: null });

// status and created_at come from the column defaults.
const INSERT_ITEM: PreparedStatement = {
  name: 'api-insert-item',
  text: `INSERT INTO items (id, owner_id, title, description, job_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${ITEM_ROW_COLUMNS}`,
};

@Injectable()
export class ItemsService {
  private readonly logger = new Logger(ItemsService.name);

  constructor(
    @InjectRepository(Item) private readonly items: Repository<Item>,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ITEMS_QUEUE) private readonly queue: ItemsQueue,
  ) {}

  /**
   * The row is committed before the job exists, so the worker never looks for an item that is not
   * there yet. If Redis refuses the job the row is removed again and the client gets a 503: no
   * item is left pending without a job.
   */
  async create(ownerId: string, body: CreateItemBody): Promise<Item> {
    const id = randomUUID();
    const { rows } = await runPrepared<ItemRow>(this.dataSource, INSERT_ITEM, [
      id,
      ownerId,
      body.title,
      body.description ?? null,
      processItemJobId(id),
    ]);
    try {
      await withTimeout(enqueueProcessItem(this.queue, { itemId: id }), ENQUEUE_TIMEOUT_MS);
    } catch (error) {
      this.logger.error(`enqueue failed for item ${id}: ${(error as Error).message}`);
      await this.items.delete({ id });
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'queue_unavailable',
        'The job queue is unavailable; try again',
      );
    }
    return itemFromRow(rows[0]!);
  }

  /** A page of the owner's items, newest first, and how many they have in all. */
  async list(ownerId: string, { limit, offset }: ListItemsQuery): Promise<[Item[], number]> {
    const { rows } = await runPrepared<PageRow>(this.dataSource, ITEM_PAGE, [
      ownerId,
      limit,
      offset,
    ]);
    const items = rows.flatMap((row) => (row.id === null ? [] : [itemFromRow(row)]));
    return [items, rows[0]?.total ?? 0];
  }

  async get(ownerId: string, id: string): Promise<Item> {
    const [row] = isUuid(id)
      ? (await runPrepared<ItemRow>(this.dataSource, ITEM_BY_ID, [id, ownerId])).rows
      : [];
    const item = row && itemFromRow(row);
    if (!item) throw notFound('Item');
    return item;
  }

  async remove(ownerId: string, id: string): Promise<void> {
    const result = isUuid(id) ? await this.items.delete({ id, ownerId }) : { affected: 0 };
    if (!result.affected) throw notFound('Item');
  }

  findByJobId(ownerId: string, jobId: string): Promise<Item | null> {
    return this.items.findOneBy({ jobId, ownerId });
  }
}
