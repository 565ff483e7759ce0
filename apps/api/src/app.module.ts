import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { API_ENV, type ApiEnv } from './config/api-env.token';
import { HealthModule } from './health/health.module';
import { ItemsModule } from './items/items.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { UsersModule } from './users/users.module';

@Global()
@Module({})
export class AppModule {
  /** The environment is validated before Nest starts and handed in, so no module reads process.env. */
  static forRoot(env: ApiEnv): DynamicModule {
    return {
      module: AppModule,
      providers: [{ provide: API_ENV, useValue: env }],
      exports: [API_ENV],
      imports: [
        MetricsModule,
        QueueModule,
        HealthModule,
        AuthModule,
        UsersModule,
        ItemsModule,
        JobsModule,
      ],
    };
  }
}
