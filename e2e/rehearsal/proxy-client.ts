import type { LookupFunction } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

/**
 * The proxy as a client on the internet reaches it: its URL (over HTTPS, the domain the certificate
 * names) and the root that certificate must chain to. Every name resolves to this machine, where
 * the proxy publishes its ports.
 */
export interface ProxyEndpoint {
  url: string;
  /** PEM roots for HTTPS; the chain is verified against these only. */
  ca?: string;
}

export interface ProxyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The certificate the proxy presented, over HTTPS. */
  certificate?: { serial: string; validFrom: string; issuer: string };
}

const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/** One request on a fresh connection (as a distinct client makes it); rejects on a network error. */
export function proxyRequest(
  endpoint: ProxyEndpoint,
  requestPath: string,
  {
    method = 'GET',
    headers = {},
    body,
    timeoutMs = 5000,
  }: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<ProxyAnswer> {
  const url = new URL(requestPath, endpoint.url);
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method,
      headers,
      agent: false,
      timeout: timeoutMs,
      lookup: toLoopback,
      ...(secure ? { ca: endpoint.ca } : {}),
    };
    const outgoing = (secure ? https : http).request(url, options, (response) => {
      const peer = secure ? (response.socket as TLSSocket).getPeerCertificate() : undefined;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: text,
          certificate: peer && {
            serial: peer.serialNumber,
            validFrom: peer.valid_from,
            issuer: String(peer.issuer.CN ?? ''),
          },
        }),
      );
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
