import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { RateLimits } from './rate-limits.service';

/** Counts a write against its user's budget; goes after JwtAuthGuard, which sets the user. */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  constructor(@Inject(RateLimits) private readonly limits: RateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await this.limits.write(request.user.id);
    return true;
  }
}
