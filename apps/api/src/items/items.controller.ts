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
import type { UserView } from '../auth/auth.service';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { WriteRateLimitGuard } from '../rate-limits/write-rate-limit.guard';
import { toItemResponse } from './item.response';
import {
  createItemSchema,
  listItemsQuerySchema,
  type CreateItemBody,
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
  async create(
    @CurrentUser() user: UserView,
    @Body({ schema: createItemSchema }) body: CreateItemBody,
  ) {
    return toItemResponse(await this.items.create(user.id, body));
  }

  @Get()
  async list(
    @CurrentUser() user: UserView,
    @Query({ schema: listItemsQuerySchema }) query: ListItemsQuery,
  ) {
    const [items, total] = await this.items.list(user.id, query);
    return { items: items.map(toItemResponse), total };
  }

  @Get(':id')
  async get(@CurrentUser() user: UserView, @Param('id') id: string) {
    return toItemResponse(await this.items.get(user.id, id));
  }

  @Delete(':id')
  @UseGuards(WriteRateLimitGuard)
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentUser() user: UserView, @Param('id') id: string): Promise<void> {
    await this.items.remove(user.id, id);
  }
}
