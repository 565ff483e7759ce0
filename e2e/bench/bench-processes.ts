import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';

/** Every process the benchmark started and has not stopped yet, so a failure can end them all. */
const running = new Set<ChildProcess>();

export interface Service {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** performance.now() when the process was spawned. */
  startedAt: number;
}

/**
 * Starts `node <args>` from the repository root with the given environment; its stdout and stderr
 * go to a log file (as production logging would go to a collector), shown if it fails.
 */
export function startService(
  name: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
): Service {
  const logFile = path.join(logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { name, child, logFile, startedAt };
}

/** The last lines of a service's log, for error messages. */
export function logTail(service: Service, lines = 20): string {
  return readFileSync(service.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Polls `url` until it answers 200 and returns the milliseconds since the service was spawned:
 * its cold start. Fails if the process exits first or `timeoutMs` passes.
 */
export async function waitUntilReady(
  service: Service,
  url: string,
  timeoutMs = 30_000,
): Promise<number> {
  while (performance.now() - service.startedAt < timeoutMs) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(
        `${service.name} exited (${service.child.exitCode ?? service.child.signalCode}) before it was ready:\n${logTail(service)}`,
      );
    }
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return performance.now() - service.startedAt;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs} ms:\n${logTail(service)}`);
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopService(service: Service, graceMs = 10_000): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Runs a TypeScript module of this folder as a child process and returns its stdout. */
export async function runTsModule(file: string, args: string[]): Promise<string> {
  // The benchmark runs under tsx; its loader flags let the child run TypeScript too.
  const child = spawn(
    process.execPath,
    [...process.execArgv, path.join(__dirname, file), ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  running.add(child);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  running.delete(child);
  if (code !== 0) throw new Error(`${file} exited with ${code}`);
  return stdout;
}

/**
 * The node arguments that run a bare ceiling of this folder (an .mts module): plain node, which
 * strips its types, with the workspace packages as built, like the API and the worker it is
 * measured against (no TypeScript loader in the process).
 */
export function bareModuleArgs(file: string): string[] {
  return [path.join(__dirname, file)];
}
