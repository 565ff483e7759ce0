import {
  benchTargets,
  evaluateTarget,
  formatTable,
  median,
  ratio,
  summarizeTiming,
  summarizeWorkload,
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

  it('keeps latencies null for a workload that has none (drain)', () => {
    const line = summarizeWorkload('drain', [run(2100, null, null)], { unit: 'jobs/s' });
    expect(line).toMatchObject({ unit: 'jobs/s', rps: 2100, p50_ms: null, p99_ms: null });
  });

  it('fails on a workload that never ran', () => {
    expect(() => summarizeWorkload('list', [])).toThrow('list: no runs to summarize');
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
      line('read', { ratio: 0.7, p99_ms: 30 }),
      line('write', { ratio: 0.4 }),
      line('drain', { unit: 'jobs/s', rps: 2500, ratio: 0.85 }),
    ]);
    expect(result['read vs bare']).toMatchObject({ figure: 0.7, status: 'met' });
    expect(result['write vs bare']).toMatchObject({ figure: 0.4, status: 'not met' });
    expect(result['read p99']).toMatchObject({ figure: 30, status: 'not met' });
    expect(result['drain vs bare']).toMatchObject({ figure: 0.85, status: 'met' });
    expect(result['drain rate']).toMatchObject({ figure: 2500, status: 'met' });
    expect(result['api cold start']).toMatchObject({ figure: 1600, status: 'not met' });
    expect(result['worker cold start']!.status).toBe('not measured');
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
      'workload  rps          p50 ms  p99 ms  errors  bare rps  ratio',
      'read      1200 req/s   3.5     20      0       2000      0.60',
      'drain     2500 jobs/s  -       -       0       -         -',
    ]);
  });
});
