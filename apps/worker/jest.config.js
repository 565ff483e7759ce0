const { jestConfig } = require('@starter/testing/jest-config');

module.exports = jestConfig({ globalSetup: require.resolve('./test/global-setup.ts') });
