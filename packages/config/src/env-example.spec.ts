import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiEnvSchema, workerEnvSchema } from './env.schema';

/** Variables that exist only for tests and must not be advertised to users. */
const TEST_ONLY = new Set(['WORKER_TEST_JOB_DELAY_MS']);

describe('.env.example', () => {
  const documented = new Set(
    [
      ...readFileSync(path.join(__dirname, '../../../.env.example'), 'utf8').matchAll(
        /^#? ?([A-Z][A-Z0-9_]+)=/gm,
      ),
    ].map(([, name]) => name!),
  );

  it('documents every variable the API, the worker and the migrator read', () => {
    const read = new Set([
      ...Object.keys(apiEnvSchema.in.shape),
      ...Object.keys(workerEnvSchema.shape),
    ]);

    const undocumented = [...read].filter((name) => !documented.has(name) && !TEST_ONLY.has(name));

    expect(undocumented).toEqual([]);
  });

  it('documents nothing that no process reads', () => {
    const read = new Set([
      ...Object.keys(apiEnvSchema.in.shape),
      ...Object.keys(workerEnvSchema.shape),
    ]);

    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });
});
