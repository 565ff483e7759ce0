import { parseProxyResponse, renderProxyConfig } from '../src/deploy/proxy-config';
import { availableReleases, imagesToDelete, retainedReleases } from '../src/deploy/retention';
import { shellJoin, shellQuote } from '../src/lib/shell-quote';
import { runSteps, StepFailedError } from '../src/lib/steps';

describe('retention', () => {
  it('keeps the newest distinct releases that went live', () => {
    expect(retainedReleases(['a', 'b', 'a', 'c', 'd'], 3)).toEqual(['d', 'c', 'a']);
  });

  it("deletes only this project's images of releases that are not kept", () => {
    const images = ['r/api:a', 'r/api:b', 'r/worker:b', 'other/api:b', 'r/api:c'];
    expect(imagesToDelete(images, ['r/api', 'r/worker'], ['c'])).toEqual([
      'r/api:a',
      'r/api:b',
      'r/worker:b',
    ]);
  });

  it('offers for rollback only releases that went live and still have files and both images', () => {
    const images = [
      'r/api:a',
      'r/worker:a',
      'r/api:b',
      'r/api:c',
      'r/worker:c',
      'r/api:x',
      'r/worker:x',
    ];
    expect(
      availableReleases(['a', 'b', 'c'], ['a', 'b', 'c', 'x'], images, ['r/api', 'r/worker']),
    ).toEqual(['c', 'a']);
  });
});

describe('proxy', () => {
  it('points the upstream at one release and tags responses with it', () => {
    const config = renderProxyConfig('0123456789ab');
    expect(config).toContain('server api-0123456789ab:3000;');
    expect(config).toContain('add_header X-Release 0123456789ab always;');
    expect(config).not.toContain('__RELEASE__');
  });

  it('refuses a tag that could inject configuration', () => {
    expect(() => renderProxyConfig('a; }')).toThrow('invalid release tag');
  });

  it('reads the status and the release of the last response', () => {
    const headers = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Release: abc\r\n\r\n';
    expect(parseProxyResponse(headers)).toEqual({ status: 200, release: 'abc' });
    expect(parseProxyResponse('HTTP/1.1 502 Bad Gateway\r\n\r\n')).toEqual({
      status: 502,
      release: undefined,
    });
    expect(() => parseProxyResponse('')).toThrow('no HTTP response');
  });
});

describe('shell quoting', () => {
  it('leaves plain words alone and quotes everything else for a POSIX shell', () => {
    expect(shellJoin(['docker', 'compose', '-p', 'app-1'])).toBe('docker compose -p app-1');
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(shellQuote('')).toBe("''");
  });
});

describe('steps', () => {
  it('prints the plan without running anything under --dry-run', async () => {
    const lines: string[] = [];
    const run = jest.fn(() => Promise.resolve());
    await runSteps([{ name: 'pull', plan: 'docker pull x', run }], {
      dryRun: true,
      log: (line) => lines.push(line),
    });

    expect(run).not.toHaveBeenCalled();
    expect(lines).toEqual(['[dry-run] 1/1 pull: docker pull x']);
  });

  it('prints each step with its duration and stops at the first failure, naming it', async () => {
    const lines: string[] = [];
    const never = jest.fn(() => Promise.resolve());
    const attempt = runSteps(
      [
        { name: 'one', plan: '', run: () => Promise.resolve() },
        { name: 'two', plan: '', run: () => Promise.reject(new Error('boom')) },
        { name: 'three', plan: '', run: never },
      ],
      { dryRun: false, log: (line) => lines.push(line) },
    );

    await expect(attempt).rejects.toEqual(
      expect.objectContaining({ step: 'two', message: 'two failed: boom' }),
    );
    await expect(attempt).rejects.toBeInstanceOf(StepFailedError);
    expect(never).not.toHaveBeenCalled();
    expect(lines.map((line) => line.replace(/\(\d+\.\ds\)/, '(t)'))).toEqual([
      '▶ 1/3 one',
      '✓ 1/3 one (t)',
      '▶ 2/3 two',
      '✗ 2/3 two (t)',
    ]);
  });

  it('reports the duration of every step run, the failed one included, and none under --dry-run', async () => {
    const timings: { step: string; seconds: number }[] = [];
    const steps = [
      { name: 'one', plan: '', run: () => new Promise<void>((done) => setTimeout(done, 20)) },
      { name: 'two', plan: '', run: () => Promise.reject(new Error('boom')) },
      { name: 'three', plan: '', run: () => Promise.resolve() },
    ];
    const onStepEnd = (timing: { step: string; seconds: number }) => timings.push(timing);

    await runSteps(steps, { dryRun: true, log: () => undefined, onStepEnd });
    expect(timings).toEqual([]);
    await expect(
      runSteps(steps, { dryRun: false, log: () => undefined, onStepEnd }),
    ).rejects.toBeInstanceOf(StepFailedError);
    expect(timings.map(({ step }) => step)).toEqual(['one', 'two']);
    expect(timings[0]!.seconds).toBeGreaterThanOrEqual(0.015);
  });
});
