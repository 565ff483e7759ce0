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
  bare_p99_ms?: number | null;
  /** p99_ms / bare_p99_ms: how much longer the slowest answers take than the ceiling's. */
  p99_ratio?: number | null;
}

/** One process's resident set in one run, in MB: before the load, its peak under it, and after. */
export interface RssFigures {
  idleMb: number;
  loadMb: number;
  afterMb: number;
}

/** The printed memory line of one process next to its bare counterpart: medians over the runs. */
export interface RssLine {
  rss: string;
  bare: string;
  runs: number;
  idle_mb: number;
  load_mb: number;
  after_mb: number;
  bare_idle_mb: number;
  bare_load_mb: number;
  bare_after_mb: number;
  idle_ratio: number;
  load_ratio: number;
  after_ratio: number;
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
    if (line.p99_ms !== null) {
      line.bare_p99_ms = medianOrNull(bare.map((run) => run.p99Ms));
      line.p99_ratio = line.bare_p99_ms === null ? null : ratio(line.p99_ms, line.bare_p99_ms);
    }
  }
  return line;
}

export function summarizeRss(
  name: string,
  runs: RssFigures[],
  bareName: string,
  bare: RssFigures[],
): RssLine {
  if (runs.length === 0 || bare.length === 0) throw new Error(`${name}: no RSS to summarize`);
  const mb = (figures: RssFigures[], key: keyof RssFigures) =>
    round(median(figures.map((figure) => figure[key])), 1);
  const [idle, load, after] = (['idleMb', 'loadMb', 'afterMb'] as const).map((key) => ({
    own: mb(runs, key),
    bare: mb(bare, key),
  })) as [
    { own: number; bare: number },
    { own: number; bare: number },
    { own: number; bare: number },
  ];
  return {
    rss: name,
    bare: bareName,
    runs: runs.length,
    idle_mb: idle.own,
    load_mb: load.own,
    after_mb: after.own,
    bare_idle_mb: idle.bare,
    bare_load_mb: load.bare,
    bare_after_mb: after.bare,
    idle_ratio: ratio(idle.own, idle.bare),
    load_ratio: ratio(load.own, load.bare),
    after_ratio: ratio(after.own, after.bare),
  };
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
  rss?: RssLine[];
}

/** The HTTP workloads compared with the bare server's, and the worker's drain with the bare worker's. */
export const HTTP_WORKLOADS = ['live', 'read', 'list', 'write'] as const;

/** The issues' targets, computed from what the run measured. */
export function benchTargets({ workloads, timings, rss = [] }: BenchSummary): Target[] {
  const workload = (name: string) => workloads.find((line) => line.workload === name);
  const timing = (name: string) => timings.find((line) => line.measure === name)?.ms ?? null;
  const memory = (name: string) => rss.find((line) => line.rss === name);
  const appWorkloads = workloads.filter((line) => !line.workload.startsWith('bare-'));
  const ratioTarget = (
    name: string,
    figure: number | null | undefined,
    bound: Target['bound'],
    limit: number,
  ): Target => ({ name, figure: figure ?? null, limit, bound, unit: '' });
  return [
    ...HTTP_WORKLOADS.map((name) =>
      ratioTarget(`${name} vs bare`, workload(name)?.ratio, 'min', 0.8),
    ),
    ...HTTP_WORKLOADS.map((name) =>
      ratioTarget(`${name} p99 vs bare`, workload(name)?.p99_ratio, 'max', 1.5),
    ),
    ratioTarget('drain vs bare', workload('drain')?.ratio, 'min', 0.9),
    ...(['api', 'worker'] as const).flatMap((name) => [
      ratioTarget(`${name} rss idle vs bare`, memory(name)?.idle_ratio, 'max', 1.3),
      ratioTarget(`${name} rss after load vs bare`, memory(name)?.after_ratio, 'max', 1.3),
    ]),
    {
      name: 'errors',
      figure:
        appWorkloads.length > 0 ? appWorkloads.reduce((sum, line) => sum + line.errors, 0) : null,
      limit: 0,
      bound: 'max',
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

const dash = (value: number | null | undefined, format: (value: number) => string = String) =>
  value === null || value === undefined ? '-' : format(value);
const twoDecimals = (value: number) => value.toFixed(2);

/** A fixed-width table of the workload lines, for people; the JSON lines are for machines. */
export function formatTable(lines: WorkloadLine[]): string {
  return alignedTable(
    ['workload', 'rps', 'p50 ms', 'p99 ms', 'errors', 'bare rps', 'ratio', 'bare p99', 'p99 ratio'],
    lines.map((line) => [
      line.workload,
      `${line.rps} ${line.unit}`,
      dash(line.p50_ms),
      dash(line.p99_ms),
      String(line.errors),
      dash(line.bare_rps),
      dash(line.ratio, twoDecimals),
      dash(line.bare_p99_ms),
      dash(line.p99_ratio, twoDecimals),
    ]),
  );
}

/** The memory lines as a table: each process's MB and its bare counterpart's, with the ratios. */
export function formatRssTable(lines: RssLine[]): string {
  return alignedTable(
    ['rss MB', 'idle', 'load', 'after', 'bare', 'idle', 'load', 'after', 'ratios'],
    lines.map((line) => [
      line.rss,
      String(line.idle_mb),
      String(line.load_mb),
      String(line.after_mb),
      line.bare,
      String(line.bare_idle_mb),
      String(line.bare_load_mb),
      String(line.bare_after_mb),
      [line.idle_ratio, line.load_ratio, line.after_ratio].map(twoDecimals).join(' / '),
    ]),
  );
}

function alignedTable(header: string[], rows: string[][]): string {
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
