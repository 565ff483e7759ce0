import type { ProxyConfig } from '@starter/config';

/** Where the proxy container reads its configuration: the host's proxy directory, read-only. */
export const PROXY_CONFIG_DIR = '/etc/caddy';
export const PROXY_CONFIG_FILE = 'Caddyfile';
/** DEPLOY_ACME_CA_ROOT's content, uploaded beside the Caddyfile. */
export const ACME_CA_ROOT_FILE = 'acme-ca-root.pem';

/**
 * HSTS, set by the proxy only on answers that travelled over TLS (the API's own header is dropped:
 * the API cannot know). Without includeSubDomains: other names under the domain may not have TLS.
 */
const HSTS = 'Strict-Transport-Security "max-age=31536000"';

/** The Caddyfile that sends all traffic to one release's API, for the proxy's TLS mode. */
export function renderProxyConfig(tag: string, proxy: ProxyConfig): string {
  if (!/^[a-z0-9-]+$/.test(tag)) throw new Error(`invalid release tag: ${tag}`);
  const { tls } = proxy;
  const global = [
    // HTTP/3 would need UDP 443 published and opened; browsers fall back to it being absent anyway.
    '\tservers {',
    '\t\tprotocols h1 h2',
    // A client that connects and sends nothing cannot hold up the drain of a switch for long.
    '\t\ttimeouts {',
    '\t\t\tread_header 10s',
    '\t\t}',
    '\t}',
    ...(tls.mode === 'acme'
      ? [
          `\tacme_ca ${tls.directory}`,
          ...(tls.caRootFile ? [`\tacme_ca_root ${PROXY_CONFIG_DIR}/${ACME_CA_ROOT_FILE}`] : []),
          ...(tls.email ? [`\temail ${tls.email}`] : []),
        ]
      : ['\tauto_https off']),
  ];
  const site =
    tls.mode === 'acme'
      ? // Caddy obtains and renews the certificate (HTTP-01 on port 80 or TLS-ALPN-01 on 443),
        // keeps it with the ACME account in /data, and redirects every other HTTP request to HTTPS.
        [`${tls.domains.join(', ')} {`, `\theader ${HSTS}`]
      : [
          ':80 {',
          // Over HTTP, HSTS only where the load balancer says the client used TLS.
          '\t@tls_at_load_balancer {',
          `\t\tremote_ip ${tls.loadBalancerCidrs.join(' ')}`,
          '\t\theader X-Forwarded-Proto https',
          '\t}',
          `\theader @tls_at_load_balancer ${HSTS}`,
        ];
  const forwarding =
    tls.mode === 'acme'
      ? // Caddy replaces X-Forwarded-For with the peer it saw, as it trusts no proxy: the API
        // trusts exactly this one hop (TRUST_PROXY_HOPS=1) for the address its rate limits count by.
        []
      : [
          // From the load balancer only, its X-Forwarded-* are kept and Caddy appends the balancer
          // to X-Forwarded-For; the entry the balancer appended before it (the client it saw) is
          // all that is passed on, so the API still trusts one hop. Any other peer is the client.
          `\t\ttrusted_proxies ${tls.loadBalancerCidrs.join(' ')}`,
          '\t\theader_up X-Forwarded-For "^(?:.*,\\s*)?([^,\\s]+),\\s*[^,\\s]+$" "$1"',
        ];
  return [
    `# Rendered by scripts/src/deploy/proxy-config.ts at every switch: release ${tag}.`,
    '{',
    ...global,
    '}',
    '',
    ...site,
    // Metrics are for Prometheus on the host's networks, which scrapes the containers directly
    // (api-<tag>:3000/metrics); from outside they do not exist. Matched on the cleaned, decoded
    // path, so /metrics/, //metrics, /METRICS and %-encoded spellings are refused too.
    '\t@metrics path_regexp (?i)^/metrics(/|$)',
    '\trespond @metrics 404',
    '\trequest_body {',
    '\t\tmax_size 1MB',
    '\t}',
    // Lets the deploy (and you) check which release answered.
    `\theader X-Release ${tag}`,
    `\treverse_proxy api-${tag}:3000 {`,
    ...forwarding,
    '\t\theader_down -Strict-Transport-Security',
    '\t\ttransport http {',
    '\t\t\tresponse_header_timeout 60s',
    '\t\t}',
    '\t}',
    '}',
    '',
  ].join('\n');
}

export interface ProxyResponse {
  status: number;
  release: string | undefined;
}

/** Reads the status and the X-Release header from `curl -D -` output (the last response). */
export function parseProxyResponse(headers: string): ProxyResponse {
  const blocks = headers.trim().split(/\r?\n\r?\n/);
  const lines = (blocks.at(-1) ?? '').split(/\r?\n/);
  const status = /^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? '');
  if (!status) throw new Error(`no HTTP response from the proxy: ${headers.slice(0, 200)}`);
  const release = lines
    .map((line) => /^x-release:\s*(\S+)/i.exec(line)?.[1])
    .find((value) => value !== undefined);
  return { status: Number(status[1]), release };
}
