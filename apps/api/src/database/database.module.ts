import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, databaseOptionsFromEnv, Item, User } from '@starter/db';
import { API_ENV, type ApiEnv } from '../config/api-env.token';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [API_ENV],
      useFactory: (env: ApiEnv) => ({
        ...dataSourceOptions(databaseOptionsFromEnv(env, 'api')),
        // Boot must fail fast on a bad URL rather than retry for half a minute.
        retryAttempts: 0,
      }),
    }),
    TypeOrmModule.forFeature([User, Item]),
  ],
  exports: [TypeOrmModule],
})
export class DatabaseModule {}
