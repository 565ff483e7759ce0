import {
  benchTargets,
  evaluateTarget,
  formatRssTable,
  formatTable,
  median,
  ratio,
  summarizeRss,
  summarizeTiming,
  summarizeWorkload,
  type RssFigures,
  type RunFigures,
  type WorkloadLine,
} from '../bench/bench-results';

const run = (rps: number, p50Ms: number | null, p99Ms: number | null, errors = 0): RunFigures => ({
  rps,
  p50Ms,
  p99Ms,
  errors,
});

describe('median', () => {
  it('takes the middle of an odd count, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuses an empty list rather than inventing a figure', () => {
    expect(() => median([])).toThrow('median of no values');
  });
});

describe('ratio', () => {
  it('is the share of the ceiling, to two decimals', () => {
    expect(ratio(1234, 2000)).toBe(0.62);
    expect(ratio(2, 3)).toBe(0.67);
  });

  it('refuses a ceiling of zero', () => {
    expect(() => ratio(10, 0)).toThrow('ratio against a ceiling of 0');
  });
});

describe('summarizeWorkload', () => {
  it('reports medians over the runs and the errors of all runs', () => {
    const line = summarizeWorkload('read', [
      run(900.4, 10, 40, 1),
      run(1000, 12, 30),
      run(1100, 11, 90, 2),
    ]);
    expect(line).toEqual({
      workload: 'read',
      unit: 'req/s',
      runs: 3,
      rps: 1000,
      p50_ms: 11,
      p99_ms: 40,
      errors: 3,
    });
  });

  it('compares against the median of the bare runs', () => {
    const line = summarizeWorkload('write', [run(500, 5, 9), run(600, 5, 9), run(700, 5, 9)], {
      bare: [run(1000, 1, 2), run(1200, 1, 2), run(5000, 1, 2)],
    });
    expect(line.bare_rps).toBe(1200);
    expect(line.ratio).toBe(0.5);
  });

  it("compares its p99 with the median of the bare runs' p99", () => {
    const line = summarizeWorkload('read', [run(900, 5, 30), run(900, 5, 45), run(900, 5, 60)], {
      bare: [run(1000, 1, 20), run(1000, 1, 30), run(1000, 1, 90)],
    });
    expect(line).toMatchObject({ p99_ms: 45, bare_p99_ms: 30, p99_ratio: 1.5 });
  });

  it('has no p99 comparison where there are no latencies (drain)', () => {
    const line = summarizeWorkload('drain', [run(900, null, null)], {
      bare: [run(1000, null, null)],
      unit: 'jobs/s',
    });
    expect(line.ratio).toBe(0.9);
    expect(line).not.toHaveProperty('p99_ratio');
  });

  it('keeps latencies null for a workload that has none (drain)', () => {
    const line = summarizeWorkload('drain', [run(2100, null, null)], { unit: 'jobs/s' });
    expect(line).toMatchObject({ unit: 'jobs/s', rps: 2100, p50_ms: null, p99_ms: null });
  });

  it('fails on a workload that never ran', () => {
    expect(() => summarizeWorkload('list', [])).toThrow('list: no runs to summarize');
  });
});

describe('summarizeRss', () => {
  const rss = (idleMb: number, loadMb: number, afterMb: number): RssFigures => ({
    idleMb,
    loadMb,
    afterMb,
  });

  it('reports median MB of each phase next to the bare process and their ratios', () => {
    const line = summarizeRss(
      'api',
      [rss(120, 300, 250), rss(130, 310, 260), rss(500, 900, 800)],
      'bare-server',
      [rss(100, 200, 200), rss(100, 250, 210), rss(90, 240, 190)],
    );
    expect(line).toEqual({
      rss: 'api',
      bare: 'bare-server',
      runs: 3,
      idle_mb: 130,
      load_mb: 310,
      after_mb: 260,
      bare_idle_mb: 100,
      bare_load_mb: 240,
      bare_after_mb: 200,
      idle_ratio: 1.3,
      load_ratio: 1.29,
      after_ratio: 1.3,
    });
  });

  it('refuses to compare with a bare process that was not measured', () => {
    expect(() => summarizeRss('worker', [rss(1, 1, 1)], 'bare-worker', [])).toThrow(
      'worker: no RSS to summarize',
    );
  });
});

describe('summarizeTiming', () => {
  it('is the rounded median of the samples', () => {
    expect(summarizeTiming('api-cold-start', [1200.4, 900.2, 1000.6])).toEqual({
      measure: 'api-cold-start',
      runs: 3,
      ms: 1001,
    });
  });
});

describe('evaluateTarget', () => {
  it('meets a lower bound at or above the limit, and misses it below', () => {
    const target = { name: 'read vs bare', limit: 0.6, bound: 'min', unit: '' } as const;
    expect(evaluateTarget({ ...target, figure: 0.6 }).status).toBe('met');
    expect(evaluateTarget({ ...target, figure: 0.59 }).status).toBe('not met');
  });

  it('meets an upper bound at or below the limit, and misses it above', () => {
    const target = { name: 'read p99', limit: 25, bound: 'max', unit: ' ms' } as const;
    expect(evaluateTarget({ ...target, figure: 25 })).toEqual({
      target: 'read p99',
      figure: 25,
      limit: '<= 25 ms',
      status: 'met',
    });
    expect(evaluateTarget({ ...target, figure: 25.1 }).status).toBe('not met');
  });

  it('says a figure that was not measured is not measured, never met', () => {
    expect(
      evaluateTarget({ name: 'drain rate', figure: null, limit: 2000, bound: 'min', unit: '' })
        .status,
    ).toBe('not measured');
  });
});

describe('benchTargets', () => {
  const line = (workload: string, extra: Partial<WorkloadLine> = {}): WorkloadLine => ({
    workload,
    unit: 'req/s',
    runs: 3,
    rps: 1000,
    p50_ms: 5,
    p99_ms: 20,
    errors: 0,
    ...extra,
  });
  const targets = (
    workloads: WorkloadLine[],
    timings = [{ measure: 'api-cold-start', runs: 3, ms: 1600 }],
  ) =>
    Object.fromEntries(
      benchTargets({ workloads, timings })
        .map(evaluateTarget)
        .map((target) => [target.target, target]),
    );

  it('takes each figure from the workload or timing it belongs to', () => {
    const result = targets([
      line('live', { ratio: 0.8, p99_ratio: 1.5 }),
      line('read', { ratio: 0.7, p99_ms: 30, p99_ratio: 1.6 }),
      line('write', { ratio: 0.4 }),
      line('drain', { unit: 'jobs/s', rps: 2500, ratio: 0.89 }),
    ]);
    expect(result['live vs bare']).toMatchObject({ figure: 0.8, status: 'met' });
    expect(result['live p99 vs bare']).toMatchObject({ figure: 1.5, status: 'met' });
    expect(result['read vs bare']).toMatchObject({ figure: 0.7, status: 'not met' });
    expect(result['read p99 vs bare']).toMatchObject({ figure: 1.6, status: 'not met' });
    expect(result['write vs bare']).toMatchObject({ figure: 0.4, status: 'not met' });
    expect(result['list vs bare']!.status).toBe('not measured');
    expect(result['read p99']).toMatchObject({ figure: 30, status: 'not met' });
    expect(result['drain vs bare']).toMatchObject({ figure: 0.89, status: 'not met' });
    expect(result['drain rate']).toMatchObject({ figure: 2500, status: 'met' });
    expect(result['api cold start']).toMatchObject({ figure: 1600, status: 'not met' });
    expect(result['worker cold start']!.status).toBe('not measured');
  });

  it('holds idle and after-load memory to 1.3 times the bare process, not the peak', () => {
    const memory = (rss: string, idle: number, after: number) => ({
      ...summarizeRss(rss, [{ idleMb: 1, loadMb: 1, afterMb: 1 }], 'bare', [
        { idleMb: 1, loadMb: 1, afterMb: 1 },
      ]),
      idle_ratio: idle,
      load_ratio: 9,
      after_ratio: after,
    });
    const result = Object.fromEntries(
      benchTargets({
        workloads: [],
        timings: [],
        rss: [memory('api', 1.3, 1.31), memory('worker', 1.5, 1.1)],
      })
        .map(evaluateTarget)
        .map((target) => [target.target, target]),
    );
    expect(result['api rss idle vs bare']).toMatchObject({ figure: 1.3, status: 'met' });
    expect(result['api rss after load vs bare']).toMatchObject({ status: 'not met' });
    expect(result['worker rss idle vs bare']).toMatchObject({ status: 'not met' });
    expect(result['worker rss after load vs bare']).toMatchObject({ status: 'met' });
  });

  it("counts the application's errors but not the bare ceiling's", () => {
    expect(
      targets([line('read', { errors: 2 }), line('bare-read', { errors: 5 })]).errors,
    ).toMatchObject({ figure: 2, status: 'not met' });
    expect(targets([line('live'), line('bare-write', { errors: 5 })]).errors!.status).toBe('met');
  });
});

describe('formatTable', () => {
  it('prints one aligned row per workload, with dashes for what does not apply', () => {
    const table = formatTable([
      {
        workload: 'read',
        unit: 'req/s',
        runs: 3,
        rps: 1200,
        p50_ms: 3.5,
        p99_ms: 20,
        errors: 0,
        bare_rps: 2000,
        ratio: 0.6,
        bare_p99_ms: 10,
        p99_ratio: 2,
      },
      {
        workload: 'drain',
        unit: 'jobs/s',
        runs: 3,
        rps: 2500,
        p50_ms: null,
        p99_ms: null,
        errors: 0,
      },
    ]);
    expect(table.split('\n')).toEqual([
      'workload  rps          p50 ms  p99 ms  errors  bare rps  ratio  bare p99  p99 ratio',
      'read      1200 req/s   3.5     20      0       2000      0.60   10        2.00',
      'drain     2500 jobs/s  -       -       0       -         -      -         -',
    ]);
  });

  it('prints the memory of each process next to its bare counterpart', () => {
    const table = formatRssTable([
      summarizeRss('api', [{ idleMb: 150, loadMb: 400, afterMb: 300 }], 'bare-server', [
        { idleMb: 100, loadMb: 200, afterMb: 200 },
      ]),
    ]);
    expect(table.split('\n')).toEqual([
      'rss MB  idle  load  after  bare         idle  load  after  ratios',
      'api     150   400   300    bare-server  100   200   200    1.50 / 2.00 / 1.50',
    ]);
  });
});
