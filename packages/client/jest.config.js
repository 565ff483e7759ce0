const { jestConfig } = require('@starter/testing/jest-config');

module.exports = jestConfig({ packageDir: __dirname });
