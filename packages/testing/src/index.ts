export * from './eventually';
export * from './free-port';
export * from './global-setup';
export * from './logged-process';
export * from './test-database';
export * from './test-env';
export * from './test-services';
