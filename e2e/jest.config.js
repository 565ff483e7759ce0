const { jestConfig } = require('@starter/testing/jest-config');
const { withNativeDynamicImport } = require('./jest-native-import');

module.exports = withNativeDynamicImport(jestConfig());
