export * from './commands.js';
export * from './decide.js';
export * from './events.js';
export * from './policy.js';
export * from './state.js';
export * from './send-time.js';
export * from './values.js';
