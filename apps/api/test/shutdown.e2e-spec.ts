import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import path from 'node:path';
import { createTestEnv, type TestEnv } from '@starter/testing';

const MAIN = path.join(__dirname, '..', 'dist', 'main.js');

/** Starts the compiled API as production runs it and resolves once it listens. */
async function startApi(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout) {
    output += String(chunk);
    const listening =
      /"address":"127\.0\.0\.1:(\d+)"|Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
    if (listening) return { child, port: Number(listening[1] ?? listening[2]) };
  }
  throw new Error(`the API exited before listening:\n${output}`);
}

describe('SIGTERM', () => {
  let testEnv: TestEnv;

  beforeAll(async () => {
    testEnv = await createTestEnv();
  });

  afterAll(async () => {
    await testEnv.cleanup();
  });

  it('finishes the request in flight, refuses new connections and exits 0', async () => {
    const { child, port } = await startApi(testEnv.env);
    const body = JSON.stringify({ email: 'in-flight@example.com', password: 'long enough' });
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let response = '';
    socket.on('data', (chunk) => (response += String(chunk)));
    // Headers and half the body: the request is in flight when SIGTERM arrives.
    socket.write(
      `POST /auth/register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = once(child, 'exit');

    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await fetch(`http://127.0.0.1:${port}/health/live`).then(
      () => false,
      () => true,
    );
    socket.write(body.slice(10));
    const [code] = await exited;

    expect(refused).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 201/);
    expect(response).toContain('"email":"in-flight@example.com"');
    expect(response).toMatch(/connection: close/i);
    expect(code).toBe(0);
  });

  it('refuses to start with a message naming each invalid variable', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATABASE_URL: 'mysql://nope',
        REDIS_URL: testEnv.redisUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));

    const [code] = await once(child, 'exit');

    expect(code).toBe(1);
    expect(stderr).toContain('DATABASE_URL must be a postgres:// URL');
    expect(stderr).toContain('JWT_SECRET');
  });
});
