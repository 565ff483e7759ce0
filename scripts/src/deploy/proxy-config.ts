import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/repo-root';

export const PROXY_TEMPLATE_FILE = path.join(REPO_ROOT, 'infra/proxy/default.conf.template');

/** The nginx server block that sends all traffic to one release's API. */
export function renderProxyConfig(
  tag: string,
  template = readFileSync(PROXY_TEMPLATE_FILE, 'utf8'),
): string {
  if (!/^[a-z0-9-]+$/.test(tag)) throw new Error(`invalid release tag: ${tag}`);
  return template.replaceAll('__RELEASE__', tag);
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
