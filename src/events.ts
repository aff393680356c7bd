// The typed events live with the executor (src/core/events.ts); this path stays for imports of it.
export * from './core/events.js';
