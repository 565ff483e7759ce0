module.exports = require('./dist/global-setup').globalTeardown;
