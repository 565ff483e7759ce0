/** What one run of one workload measured. Latencies are null where they mean nothing (drain). */
export interface RunFigures {
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
}

/** The printed line of one workload: medians over its runs, errors summed over all of them. */
export interface WorkloadLine {
  workload: string;
  unit: 'req/s' | 'jobs/s';
  runs: number;
  rps: number;
  p50_ms: number | null;
  p99_ms: number | null;
  errors: number;
  bare_rps?: number;
  /** rps / bare_rps: how much of the framework-free ceiling the real application reaches. */
  ratio?: number;
}

export interface TimingLine {
  measure: string;
  runs: number;
  ms: number;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ratio(value: number, ceiling: number): number {
  if (!(ceiling > 0)) throw new Error(`ratio against a ceiling of ${ceiling}`);
  return round(value / ceiling, 2);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function medianOrNull(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : round(median(known), 2);
}

export function summarizeWorkload(
  workload: string,
  runs: RunFigures[],
  { bare, unit = 'req/s' }: { bare?: RunFigures[]; unit?: WorkloadLine['unit'] } = {},
): WorkloadLine {
  if (runs.length === 0) throw new Error(`${workload}: no runs to summarize`);
  const rps = median(runs.map((run) => run.rps));
  const line: WorkloadLine = {
    workload,
    unit,
    runs: runs.length,
    rps: Math.round(rps),
    p50_ms: medianOrNull(runs.map((run) => run.p50Ms)),
    p99_ms: medianOrNull(runs.map((run) => run.p99Ms)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
  if (bare && bare.length > 0) {
    const bareRps = median(bare.map((run) => run.rps));
    line.bare_rps = Math.round(bareRps);
    line.ratio = ratio(rps, bareRps);
  }
  return line;
}

export function summarizeTiming(measure: string, samples: number[]): TimingLine {
  return { measure, runs: samples.length, ms: Math.round(median(samples)) };
}

export interface Target {
  name: string;
  /** The figure, or null when this run did not measure it (e.g. no worker, --quick). */
  figure: number | null;
  limit: number;
  /** 'min': the figure must be at least the limit; 'max': at most. */
  bound: 'min' | 'max';
  unit: string;
}

export type TargetStatus = 'met' | 'not met' | 'not measured';

export interface TargetLine {
  target: string;
  figure: number | null;
  limit: string;
  status: TargetStatus;
}

export function evaluateTarget(target: Target): TargetLine {
  const status: TargetStatus =
    target.figure === null
      ? 'not measured'
      : (target.bound === 'min' ? target.figure >= target.limit : target.figure <= target.limit)
        ? 'met'
        : 'not met';
  return {
    target: target.name,
    figure: target.figure,
    limit: `${target.bound === 'min' ? '>=' : '<='} ${target.limit}${target.unit}`,
    status,
  };
}

export interface BenchSummary {
  workloads: WorkloadLine[];
  timings: TimingLine[];
}

/** The targets, computed from what the run measured. */
export function benchTargets({ workloads, timings }: BenchSummary): Target[] {
  const workload = (name: string) => workloads.find((line) => line.workload === name);
  const timing = (name: string) => timings.find((line) => line.measure === name)?.ms ?? null;
  const appWorkloads = workloads.filter((line) => !line.workload.startsWith('bare-'));
  return [
    {
      name: 'read vs bare',
      figure: workload('read')?.ratio ?? null,
      limit: 0.6,
      bound: 'min',
      unit: '',
    },
    {
      name: 'write vs bare',
      figure: workload('write')?.ratio ?? null,
      limit: 0.5,
      bound: 'min',
      unit: '',
    },
    {
      name: 'read p99',
      figure: workload('read')?.p99_ms ?? null,
      limit: 25,
      bound: 'max',
      unit: ' ms',
    },
    {
      name: 'errors',
      figure:
        appWorkloads.length > 0 ? appWorkloads.reduce((sum, line) => sum + line.errors, 0) : null,
      limit: 0,
      bound: 'max',
      unit: '',
    },
    {
      name: 'drain vs bare',
      figure: workload('drain')?.ratio ?? null,
      limit: 0.8,
      bound: 'min',
      unit: '',
    },
    {
      name: 'drain rate',
      figure: workload('drain')?.rps ?? null,
      limit: 2000,
      bound: 'min',
      unit: ' jobs/s',
    },
    {
      name: 'api cold start',
      figure: timing('api-cold-start'),
      limit: 1500,
      bound: 'max',
      unit: ' ms',
    },
    {
      name: 'worker cold start',
      figure: timing('worker-cold-start'),
      limit: 1500,
      bound: 'max',
      unit: ' ms',
    },
    {
      name: 'cached build',
      figure: timing('cached-build'),
      limit: 3000,
      bound: 'max',
      unit: ' ms',
    },
  ];
}

/** A fixed-width table of the workload lines, for people; the JSON lines are for machines. */
export function formatTable(lines: WorkloadLine[]): string {
  const header = ['workload', 'rps', 'p50 ms', 'p99 ms', 'errors', 'bare rps', 'ratio'];
  const rows = lines.map((line) => [
    line.workload,
    `${line.rps} ${line.unit}`,
    line.p50_ms === null ? '-' : String(line.p50_ms),
    line.p99_ms === null ? '-' : String(line.p99_ms),
    String(line.errors),
    line.bare_rps === undefined ? '-' : String(line.bare_rps),
    line.ratio === undefined ? '-' : line.ratio.toFixed(2),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
