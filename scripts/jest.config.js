const { jestConfig } = require('@starter/testing/jest-config');

// The pipeline runs the workspace packages from their sources (node --conditions=@starter/source --import=tsx),
// and so do its tests.
module.exports = {
  ...jestConfig({ packageDir: __dirname }),
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@starter/source'] },
};
