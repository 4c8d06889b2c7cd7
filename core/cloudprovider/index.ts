export * from './types.js';
export * from './instancetype.js';
export * from './errors.js';
export * from './cloudprovider.js';
export * from './launch-choice.js';
