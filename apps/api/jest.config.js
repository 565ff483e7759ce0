const { jestConfig } = require('@starter/testing/jest-config');

module.exports = jestConfig({
  packageDir: __dirname,
  globalSetup: require.resolve('./test/global-setup.ts'),
});
