import path from 'node:path';
import { LoggedProcess } from '@starter/testing';

export const API_MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

/** The compiled API (`node dist/main.js`) as production runs it, with its parsed JSON logs. */
export class ApiProcess extends LoggedProcess {
  port!: number;

  /** Starts it and resolves once it listens. */
  static async start(env: Record<string, string>): Promise<ApiProcess> {
    // The tests read its logs; the OS picks the port, which the 'api listening' line names.
    const api = ApiProcess.spawn(API_MAIN, {
      ...env,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
    });
    api.port = Number((await api.started((line) => line.msg === 'api listening')).port);
    return api;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
