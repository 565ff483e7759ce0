import path from 'node:path';
import { LoggedProcess } from '@starter/testing';

export type { LogLine } from '@starter/testing';

const MAIN = path.join(__dirname, '../../dist/main.js');

/** The compiled worker (`node dist/main.js`) as a child process, with its parsed JSON logs. */
export class WorkerProcess extends LoggedProcess {
  private healthPort?: number;

  static async start(
    env: Record<string, string>,
    { waitReady = true } = {},
  ): Promise<WorkerProcess> {
    const worker = WorkerProcess.spawn(MAIN, {
      WORKER_HEALTH_HOST: '127.0.0.1',
      // The OS picks a free port as it binds; the worker logs which.
      WORKER_HEALTH_PORT: '0',
      ...env,
      // 'job started' is a debug line; the tests wait for it.
      LOG_LEVEL: 'debug',
    });
    if (waitReady) await worker.started((line) => line.msg === 'worker ready');
    return worker;
  }

  /** Where GET /health and /metrics answer, read from the worker's log once it listens. */
  async healthUrl(): Promise<string> {
    this.healthPort ??= Number(
      (await this.waitForLog((line) => line.msg === 'health and metrics listening')).port,
    );
    return `http://127.0.0.1:${this.healthPort}`;
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${await this.healthUrl()}/health`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${await this.healthUrl()}/metrics`);
    return response.text();
  }

  /** Value of one sample in the Prometheus text output, 0 when absent. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const selector = Object.entries(labels)
      .map(([key, value]) => `${key}="${value}"`)
      .join(',');
    const line = (await this.metrics())
      .split('\n')
      .find((entry) => entry.startsWith(selector ? `${name}{${selector}` : `${name} `));
    return line ? Number(line.split(' ').pop()) : 0;
  }
}
