/**
 * GitHub's workflow parser and expression engine are ES modules only: SWC keeps their import()
 * native (instead of a require() that cannot load them) and Jest loads them as ES modules
 * (--experimental-vm-modules, set by the package's scripts).
 */
function withNativeDynamicImport(config) {
  const [pattern, [transformer, options]] = Object.entries(config.transform)[0];
  return {
    ...config,
    transform: {
      [pattern]: [transformer, { ...options, module: { ...options.module, ignoreDynamic: true } }],
    },
  };
}

module.exports = { withNativeDynamicImport };
