export * from './env.schema';
export * from './load-env';
export * from './images';
export * from './deploy.schema';
