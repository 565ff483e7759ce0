const { jestConfig } = require('@starter/testing/jest-config');

// The pipeline runs the workspace packages from their sources (tsx --conditions=@starter/source),
// and so do its tests: no build needed first.
module.exports = {
  ...jestConfig(),
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@starter/source'] },
};
