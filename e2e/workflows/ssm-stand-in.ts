import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SsmStandIn {
  endpoint: string;
  /** Every AWS call it answered, as `AmazonSSM.GetParametersByPath /starter/production/`. */
  calls: string[];
  stop(): Promise<void>;
}

/**
 * A local stand-in for SSM Parameter Store: answers GetParametersByPath (the AWS JSON 1.1
 * protocol the SDK speaks) from the given SecureStrings, so the scripts' real SSM code path runs.
 * Any other call is refused with an error naming it, so nothing unplanned reads as success.
 */
export async function startSsmStandIn(parameters: Record<string, string>): Promise<SsmStandIn> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? `${request.method} ${request.url}`);
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (target !== 'AmazonSSM.GetParametersByPath') {
        calls.push(target);
        answer(400, {
          __type: 'UnsupportedOperation',
          message: `the replay's AWS stand-in answers only SSM GetParametersByPath, not ${target}`,
        });
        return;
      }
      const { Path: prefix = '' } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        Path?: string;
      };
      calls.push(`${target} ${prefix}`);
      // Not recursive, as the scripts ask: only the names directly under the prefix.
      const matching = Object.entries(parameters).filter(
        ([name]) => name.startsWith(prefix) && !name.slice(prefix.length).includes('/'),
      );
      answer(200, {
        Parameters: matching.map(([Name, Value]) => ({ Name, Value, Type: 'SecureString' })),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
