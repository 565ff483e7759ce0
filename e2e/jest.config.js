const { jestConfig } = require('@starter/testing/jest-config');
const { withNativeDynamicImport } = require('./jest-native-import');

// The pipeline runs the workspace packages from their sources (node --conditions=@starter/source --import=tsx),
// and so do its tests.
module.exports = {
  ...withNativeDynamicImport(jestConfig({ packageDir: __dirname })),
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@starter/source'] },
};
