import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { AccessTokens } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { PasswordHasher } from './password-hasher';

@Module({
  imports: [DatabaseModule, RateLimitsModule],
  controllers: [AuthController],
  providers: [AuthService, PasswordHasher, AccessTokens, JwtAuthGuard],
  exports: [JwtAuthGuard, AccessTokens, DatabaseModule, RateLimitsModule],
})
export class AuthModule {}
