export * from './binaries';
export * from './dev-server';
export * from './managed-process';
export * from './ports';
export * from './time-skipping-server';
