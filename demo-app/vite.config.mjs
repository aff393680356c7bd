// The demo uses the package exactly as a user would: the built `dist/` of this repository.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^apollo-link-resilience\/profiles$/, replacement: `${root}dist/profiles.js` },
      { find: /^apollo-link-resilience\/offline$/, replacement: `${root}dist/offline.js` },
      { find: /^apollo-link-resilience$/, replacement: `${root}dist/index.js` },
    ],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  logLevel: 'warn',
});
