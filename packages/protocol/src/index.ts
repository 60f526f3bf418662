export * from './errors.js';
export * from './limits.js';
export * from './auth.js';
export * from './workspaces.js';
export * from './channels.js';
export * from './messages.js';
export * from './search.js';
export * from './realtime.js';
