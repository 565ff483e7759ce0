import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { User } from '@starter/db';
import { QueryFailedError, Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import type { LoginBody, RegisterBody, TokenResponse, UserView } from './auth.schemas';
import { LoginThrottle } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {}

  async register({ email, password }: RegisterBody): Promise<UserView> {
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

  async login({ email, password }: LoginBody, ip: string): Promise<TokenResponse> {
    await this.throttle.assertAllowed(ip, email);
    const user = await this.users.findOne({
      where: { email },
      select: { id: true, passwordHash: true },
    });
    if (!(await this.hasher.verify(user?.passwordHash, password)) || !user) {
      await this.throttle.recordFailure(ip, email);
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'invalid_credentials',
        'Incorrect email or password',
      );
    }
    return {
      access_token: await this.jwt.signAsync({ sub: user.id }),
      token_type: 'bearer',
    };
  }
}
