import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A compiled app (`node <main>`) as a child process, with its JSON log lines parsed as they come. */
export class LoggedProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  private readonly lines = new EventEmitter();

  constructor(readonly child: ChildProcess) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as LogLine;
        this.logs.push(parsed);
        this.lines.emit('line', parsed);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // 'close' rather than 'exit': by then every line the process wrote has been parsed.
    this.exited = once(child, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** Runs `node <main>` with exactly `env` (plus PATH): nothing leaks in from the test process. */
  static spawn<T extends LoggedProcess>(
    this: new (child: ChildProcess) => T,
    main: string,
    env: Record<string, string>,
  ): T {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new this(child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return `${this.logs.map((line) => JSON.stringify(line)).join('\n')}\n${this.stderr}`;
  }

  /**
   * The first log line matching `match`, already logged or to come. Fails when the process exits
   * first, or at the deadline, with the process's output.
   */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const found = this.logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onLine = (line: LogLine) => {
        if (!match(line)) return;
        settle();
        resolve(line);
      };
      const onClose = ({ code, signal }: Awaited<LoggedProcess['exited']>) => {
        settle();
        reject(new Error(`exited (${code ?? signal}) before the log line:\n${this.output}`));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`no such log line within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      // A promise settles once: whichever of these comes first decides.
      const settle = () => {
        clearTimeout(timer);
        this.lines.off('line', onLine);
      };
      this.lines.on('line', onLine);
      void this.exited.then(onClose);
    });
  }

  /** Waits for the line saying the process is up; stops the process when it does not come. */
  async started(match: (line: LogLine) => boolean): Promise<LogLine> {
    try {
      return await this.waitForLog(match);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** SIGKILL unless it already exited. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
