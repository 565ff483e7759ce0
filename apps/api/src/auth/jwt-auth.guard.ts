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
import type { UserView } from './auth.service';

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
    const user =
      typeof subject === 'string'
        ? await this.users.findOne({ where: { id: subject }, select: { id: true, email: true } })
        : null;
    if (!user) throw unauthorized('Invalid or expired token');
    request.user = { id: user.id, email: user.email };
    return true;
  }
}
