import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { User } from '@starter/db';
import type { FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { AccessTokens } from './access-tokens.service';
import type { UserView } from './auth.schemas';

export type AuthenticatedRequest = FastifyRequest & { user: UserView };

// RFC 6750: exactly the scheme, one space and a token68; anything around it is refused.
const BEARER = /^Bearer ([\w.~+/-]+=*)$/i;

const unauthorized = (message: string) =>
  new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', message, undefined, {
    'www-authenticate': 'Bearer',
  });

/** Accepts a valid, unexpired Bearer token whose user still exists. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    @Inject(AccessTokens) private readonly tokens: AccessTokens,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw unauthorized('Missing bearer token');
    let subject: unknown;
    try {
      subject = await this.tokens.verify(token);
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
