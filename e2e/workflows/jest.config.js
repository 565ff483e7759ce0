// The workflow replay's stories: slow (real clones, installs, image builds and deploys), so they
// run on their own (pnpm --filter @starter/e2e run workflows:stories), not in `pnpm test`.
const path = require('node:path');
const { jestConfig } = require('@starter/testing/jest-config');
const { withNativeDynamicImport } = require('../jest-native-import');

module.exports = {
  ...withNativeDynamicImport(jestConfig({ packageDir: path.join(__dirname, '..') })),
  rootDir: __dirname,
  testMatch: ['**/*.story.ts'],
  // The workspace packages from their sources, as the verbs load them (no prebuilt dist/ needed).
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@starter/source'] },
  testTimeout: 60 * 60_000,
};
