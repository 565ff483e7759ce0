import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { itemIdFromJobId } from '@starter/queue';
import type { UserView } from '../auth/auth.service';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { notFound } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { ItemsService } from '../items/items.service';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('jobs')
@UseGuards(JwtAuthGuard)
export class JobsController {
  constructor(
    @Inject(ItemsService) private readonly items: ItemsService,
    @Inject(JobsService) private readonly jobs: JobsService,
  ) {}

  /** Visible only to the owner of the item the job processes. */
  @Get(':jobId')
  async get(@CurrentUser() user: UserView, @Param('jobId') jobId: string) {
    // Like item ids, a job id that cannot exist is answered without asking PostgreSQL.
    if (!isUuid(itemIdFromJobId(jobId))) throw notFound('Job');
    const item = await this.items.findByJobId(user.id, jobId);
    if (!item) throw notFound('Job');
    return this.jobs.status(item);
  }
}
