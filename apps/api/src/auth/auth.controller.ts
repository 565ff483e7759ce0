import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { errorBodySchema } from '../common/api-error';
import { errorResponse, errors, Operation } from '../common/api-operation.decorator';
import {
  loginSchema,
  registerSchema,
  tokenSchema,
  userSchema,
  type LoginBody,
  type RegisterBody,
  type TokenResponse,
  type UserView,
} from './auth.schemas';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  @Post('register')
  @Operation({
    id: 'register',
    summary: 'Create an account',
    description: 'The email is stored lower-cased and must be unused, whatever its case.',
    public: true,
    responses: {
      201: { description: 'The new user', schema: userSchema },
      ...errors(400, 413, 415, 422),
      409: errorResponse(409, 'The email is already registered (`email_taken`)'),
      429: errorResponse(429, 'Too many registrations from this address'),
      503: errorResponse(503, 'Registration is unavailable while its rate limiter is'),
    },
  })
  register(
    @Body({ schema: registerSchema }) body: RegisterBody,
    @Req() request: FastifyRequest,
  ): Promise<UserView> {
    return this.auth.register(body, request.ip);
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'login',
    summary: 'Exchange email and password for a bearer token',
    public: true,
    responses: {
      200: { description: 'A bearer token', schema: tokenSchema },
      ...errors(400, 413, 415, 422),
      // Not the bearer-token 401 of protected routes: no WWW-Authenticate challenge.
      401: {
        description: 'Incorrect email or password (`invalid_credentials`)',
        schema: errorBodySchema,
      },
      429: errorResponse(429, 'Too many failed logins from this address for this email'),
      503: errorResponse(503, 'Login is unavailable while its rate limiter is'),
    },
  })
  login(
    @Body({ schema: loginSchema }) body: LoginBody,
    @Req() request: FastifyRequest,
  ): Promise<TokenResponse> {
    return this.auth.login(body, request.ip);
  }
}
