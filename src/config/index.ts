export * from './schema.js';
export * from './load.js';
export * from './provision.js';
export * from './modem-profile.js';
export * from './tls-files.js';
export * from './smtp-limits.js';
