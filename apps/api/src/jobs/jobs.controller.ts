import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { itemIdFromJobId } from '@starter/queue';
import type { UserView } from '../auth/auth.schemas';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { notFound } from '../common/api-error';
import { errorResponse, errors, Operation } from '../common/api-operation.decorator';
import { isUuid } from '../common/uuid';
import { ItemsService } from '../items/items.service';
import { jobSchema, type JobStatus } from './jobs.schemas';
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
  @Operation({
    id: 'getJob',
    summary: 'The state of an item’s processing job',
    description: 'Only the owner of the item the job processes can read it.',
    responses: {
      200: { description: 'The job', schema: jobSchema },
      ...errors(400, 401),
      404: errorResponse(404, 'No such job, not a job id, or not the caller’s (`not_found`)'),
    },
  })
  async get(@CurrentUser() user: UserView, @Param('jobId') jobId: string): Promise<JobStatus> {
    // Like item ids, a job id that cannot exist is answered without asking PostgreSQL.
    if (!isUuid(itemIdFromJobId(jobId))) throw notFound('Job');
    const item = await this.items.findByJobId(user.id, jobId);
    if (!item) throw notFound('Job');
    return this.jobs.status(item);
  }
}
