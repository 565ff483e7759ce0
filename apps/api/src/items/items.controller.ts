import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { UserView } from '../auth/auth.schemas';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { errorResponse, errors, Operation } from '../common/api-operation.decorator';
import { WriteRateLimitGuard } from '../rate-limits/write-rate-limit.guard';
import { toItemResponse } from './item.response';
import {
  createItemSchema,
  itemListSchema,
  itemSchema,
  listItemsQuerySchema,
  type CreateItemBody,
  type ItemListResponse,
  type ItemResponse,
  type ListItemsQuery,
} from './items.schemas';
import { ItemsService } from './items.service';

@ApiTags('items')
@ApiBearerAuth()
@Controller('items')
@UseGuards(JwtAuthGuard)
export class ItemsController {
  constructor(@Inject(ItemsService) private readonly items: ItemsService) {}

  @Post()
  @UseGuards(WriteRateLimitGuard)
  @Operation({
    id: 'createItem',
    summary: 'Create an item',
    description:
      'Stores the item as `pending` and enqueues the `process-item` job that computes its word ' +
      'count and checksum; poll the item, or the job named by `job_id`, to see it done.',
    responses: {
      201: { description: 'The stored item, with the id of its job', schema: itemSchema },
      ...errors(400, 401, 413, 415, 422),
      429: errorResponse(429, 'Too many writes by this user'),
      503: errorResponse(
        503,
        'The job queue (`queue_unavailable`) or the write rate limiter is unavailable; nothing ' +
          'was stored',
      ),
    },
  })
  async create(
    @CurrentUser() user: UserView,
    @Body({ schema: createItemSchema }) body: CreateItemBody,
  ): Promise<ItemResponse> {
    return toItemResponse(await this.items.create(user.id, body));
  }

  @Get()
  @Operation({
    id: 'listItems',
    summary: 'List the caller’s items',
    description: 'Newest first, a page at a time (`limit` 1..100, default 20).',
    responses: {
      200: { description: 'A page of items and the total count', schema: itemListSchema },
      ...errors(401, 422),
    },
  })
  async list(
    @CurrentUser() user: UserView,
    @Query({ schema: listItemsQuerySchema }) query: ListItemsQuery,
  ): Promise<ItemListResponse> {
    const [items, total] = await this.items.list(user.id, query);
    return { items: items.map(toItemResponse), total };
  }

  @Get(':id')
  @Operation({
    id: 'getItem',
    summary: 'Read an item',
    responses: {
      200: { description: 'The item', schema: itemSchema },
      ...errors(400, 401, 404),
    },
  })
  async get(@CurrentUser() user: UserView, @Param('id') id: string): Promise<ItemResponse> {
    return toItemResponse(await this.items.get(user.id, id));
  }

  @Delete(':id')
  @UseGuards(WriteRateLimitGuard)
  @HttpCode(HttpStatus.NO_CONTENT)
  @Operation({
    id: 'deleteItem',
    summary: 'Delete an item',
    responses: {
      204: { description: 'Deleted; its job, if still waiting, completes as `item_deleted`' },
      // A body is not expected, but one that is sent is parsed and checked like any other.
      ...errors(400, 401, 404, 413, 415, 422),
      429: errorResponse(429, 'Too many writes by this user'),
      503: errorResponse(503, 'The write rate limiter is unavailable; nothing was deleted'),
    },
  })
  async remove(@CurrentUser() user: UserView, @Param('id') id: string): Promise<void> {
    await this.items.remove(user.id, id);
  }
}
