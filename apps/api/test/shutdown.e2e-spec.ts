import { once } from 'node:events';
import { connect } from 'node:net';
import { createTestEnv, eventually, type TestEnv } from '@starter/testing';
import { API_MAIN, ApiProcess } from './support/api-process';

describe('SIGTERM', () => {
  let testEnv: TestEnv;
  const processes: ApiProcess[] = [];

  beforeAll(async () => {
    testEnv = await createTestEnv();
  });

  afterAll(async () => {
    await Promise.all(processes.map((api) => api.stop()));
    await testEnv.cleanup();
  });

  it('finishes the request in flight, refuses new connections and exits 0', async () => {
    const api = await ApiProcess.start(testEnv.env);
    processes.push(api);
    const body = JSON.stringify({ email: 'in-flight@example.com', password: 'long enough' });
    const socket = connect(api.port, '127.0.0.1');
    await once(socket, 'connect');
    let response = '';
    socket.on('data', (chunk) => (response += String(chunk)));
    // With `Expect: 100-continue` the server answers `100 Continue` once it has parsed the
    // headers: from then on the request is in flight, its body still to come.
    socket.write(
      `POST /auth/register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await eventually(
      () => Promise.resolve(response),
      (received) => received.startsWith('HTTP/1.1 100 Continue'),
      { what: 'the server reading the request headers' },
    );

    api.child.kill('SIGTERM');
    await eventually(
      () =>
        fetch(`${api.baseUrl}/health/live`).then(
          () => 'accepted',
          () => 'refused',
        ),
      (outcome) => outcome === 'refused',
      { what: 'new connections refused after SIGTERM' },
    );
    socket.write(body);
    const exit = await api.exited;

    expect(response).toMatch(/\r\n\r\nHTTP\/1\.1 201/);
    expect(response).toContain('"email":"in-flight@example.com"');
    expect(response).toMatch(/connection: close/i);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('refuses to start with a message naming each invalid variable', async () => {
    const api = ApiProcess.spawn(API_MAIN, {
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://nope',
      REDIS_URL: testEnv.redisUrl,
    });
    processes.push(api);

    const exit = await api.exited;

    expect(exit).toEqual({ code: 1, signal: null });
    expect(api.output).toContain('DATABASE_URL must be a postgres:// URL');
    expect(api.output).toContain('JWT_SECRET');
  });
});
