import { Global, Module } from '@nestjs/common';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [{ provide: HttpMetrics, useFactory: () => new HttpMetrics() }],
  exports: [HttpMetrics],
})
export class MetricsModule {}
