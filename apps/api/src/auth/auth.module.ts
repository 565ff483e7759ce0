import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { API_ENV, type ApiEnv } from '../config/api-env.token';
import { DatabaseModule } from '../database/database.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { LoginThrottle } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';

@Module({
  imports: [
    DatabaseModule,
    JwtModule.registerAsync({
      inject: [API_ENV],
      useFactory: (env: ApiEnv) => ({
        // A KeyObject made once: given a string, jsonwebtoken first tries to parse it as a PEM public
        // key (and throws) on every verify, which cost about a tenth of an authenticated request.
        secret: createSecretKey(Buffer.from(env.JWT_SECRET, 'utf8')),
        signOptions: { expiresIn: env.JWT_EXPIRES_IN_SECONDS, algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, PasswordHasher, LoginThrottle, JwtAuthGuard],
  exports: [JwtAuthGuard, JwtModule, DatabaseModule],
})
export class AuthModule {}
