import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { User } from '@starter/db';
import type { FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import type { UserView } from './auth.schemas';

export type AuthenticatedRequest = FastifyRequest & { user: UserView };

const unauthorized = (message: string) =>
  new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', message, undefined, {
    'www-authenticate': 'Bearer',
  });

/** Accepts a valid, unexpired Bearer token whose user still exists. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('Missing bearer token');
    let subject: unknown;
    try {
      subject = (await this.jwt.verifyAsync<{ sub?: unknown }>(token)).sub;
    } catch {
      throw unauthorized('Invalid or expired token');
    }
    // Every authenticated request runs this; plain SQL skips TypeORM's per-call query building.
    const [user] = isUuid(subject)
      ? await this.users.query<UserView[]>('SELECT id, email FROM users WHERE id = $1', [subject])
      : [];
    if (!user) throw unauthorized('Invalid or expired token');
    request.user = { id: user.id, email: user.email };
    return true;
  }
}
