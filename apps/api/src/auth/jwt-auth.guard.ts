import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { runPrepared, type PreparedStatement } from '@starter/db';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { AccessTokens } from './access-tokens.service';
import type { UserView } from './auth.schemas';

export type AuthenticatedRequest = FastifyRequest & { user: UserView };

// RFC 6750: exactly the scheme, one space and a token68; anything around it is refused.
const BEARER = /^Bearer ([\w.~+/-]+=*)$/i;

// Every authenticated request runs this.
const USER_BY_ID: PreparedStatement = {
  name: 'api-user-by-id',
  text: 'SELECT id, email FROM users WHERE id = $1',
};

const unauthorized = (message: string) =>
  new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', message, undefined, {
    'www-authenticate': 'Bearer',
  });

/** Accepts a valid, unexpired Bearer token whose user still exists. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    @Inject(AccessTokens) private readonly tokens: AccessTokens,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw unauthorized('Missing bearer token');
    let subject: unknown;
    try {
      subject = this.tokens.verify(token);
    } catch {
      throw unauthorized('Invalid or expired token');
    }
    const [user] = isUuid(subject)
      ? (await runPrepared<UserView>(this.dataSource, USER_BY_ID, [subject])).rows
      : [];
    if (!user) throw unauthorized('Invalid or expired token');
    request.user = { id: user.id, email: user.email };
    return true;
  }
}
