import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { freePort } from '@starter/testing';

const MAIN = path.join(__dirname, '../../dist/main.js');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The compiled worker (`node dist/main.js`) as a child process, with its parsed JSON logs. */
export class WorkerProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly healthUrl: string,
  ) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as LogLine);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  static async start(
    env: Record<string, string>,
    { waitReady = true } = {},
  ): Promise<WorkerProcess> {
    const port = env.WORKER_HEALTH_PORT ?? String(await freePort());
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        WORKER_HEALTH_HOST: '127.0.0.1',
        ...env,
        // The tests read the logs.
        // 'job started' is a debug line; the tests wait for it.
        LOG_LEVEL: 'debug',
        WORKER_HEALTH_PORT: port,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child, `http://127.0.0.1:${port}`);
    if (waitReady) {
      try {
        // Generous: three workers booting at once on a loaded 2-core machine take 10 s and more.
        await worker.waitForLog((line) => line.msg === 'worker ready', 30_000);
      } catch (error) {
        await worker.stop();
        throw error;
      }
    }
    return worker;
  }

  get output(): string {
    return `${this.logs.map((line) => JSON.stringify(line)).join('\n')}\n${this.stderr}`;
  }

  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found) return found;
      if (this.child.exitCode !== null) {
        throw new Error(
          `worker exited (${this.child.exitCode}) before the log line:\n${this.output}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for a log line:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.healthUrl}/health`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.healthUrl}/metrics`);
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

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
