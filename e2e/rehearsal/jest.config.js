// The rehearsal: named stories in story order, one file per journey, run one at a time (they share
// one Docker engine and build real images). `pnpm rehearse`; not part of `pnpm test`.
const path = require('node:path');
const { jestConfig } = require('@starter/testing/jest-config');

module.exports = {
  ...jestConfig({ packageDir: path.dirname(__dirname) }),
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@starter/source'] },
  rootDir: __dirname,
  testMatch: ['**/*.story.ts'],
  testTimeout: 30 * 60_000,
  maxWorkers: 1,
  testSequencer: require.resolve('./story-sequencer.js'),
};
