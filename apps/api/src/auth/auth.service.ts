import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { User } from '@starter/db';
import { QueryFailedError, Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { RateLimits } from '../rate-limits/rate-limits.service';
import { AccessTokens } from './access-tokens.service';
import type { LoginBody, RegisterBody, TokenResponse, UserView } from './auth.schemas';
import { PasswordHasher } from './password-hasher';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(AccessTokens) private readonly tokens: AccessTokens,
    @Inject(RateLimits) private readonly limits: RateLimits,
  ) {}

  async register({ email, password }: RegisterBody, address: string): Promise<UserView> {
    // Before the hash: each one holds a libuv thread and 19 MiB for tens of milliseconds.
    await this.limits.registration(address);
    const passwordHash = await this.hasher.hash(password);
    try {
      const user = await this.users.save(this.users.create({ email, passwordHash }));
      return { id: user.id, email: user.email };
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new ApiError(HttpStatus.CONFLICT, 'email_taken', 'This email is already registered');
      }
      throw error;
    }
  }

  login({ email, password }: LoginBody, address: string): Promise<TokenResponse> {
    return this.limits.login(email, address, async () => {
      const user = await this.users.findOne({
        where: { email },
        select: { id: true, passwordHash: true },
      });
      if (!(await this.hasher.verify(user?.passwordHash, password)) || !user) {
        throw new ApiError(
          HttpStatus.UNAUTHORIZED,
          'invalid_credentials',
          'Incorrect email or password',
        );
      }
      return { access_token: this.tokens.sign(user.id), token_type: 'bearer' };
    });
  }
}
