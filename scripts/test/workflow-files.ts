import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../src/lib/repo-root';

export { REPO_ROOT };
export const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github/workflows');

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface Job {
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  'timeout-minutes'?: number;
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps?: Step[];
}

export interface Workflow {
  file: string;
  text: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => {
      const text = readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
      return { file, text, ...(parse(text) as Omit<Workflow, 'file' | 'text'>) };
    });
}

export function needsOf(job: Job): string[] {
  if (!job.needs) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every job that `jobId` waits for, directly or through other jobs. */
export function upstreamJobs(workflow: Workflow, jobId: string): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string): void => {
    for (const need of needsOf(workflow.jobs[id] ?? {})) {
      if (!seen.has(need)) {
        seen.add(need);
        visit(need);
      }
    }
  };
  visit(jobId);
  return seen;
}

export function runCommands(job: Job): string[] {
  return (job.steps ?? []).flatMap((step) => (step.run ? [step.run] : []));
}

/** The script names of `pnpm run X` and `pnpm X` in a shell snippet. */
export function pnpmInvocations(script: string): string[] {
  return [...script.matchAll(/\bpnpm\s+(?:run\s+)?([A-Za-z][\w:-]*)/g)].map(
    (match) => match[1] as string,
  );
}
