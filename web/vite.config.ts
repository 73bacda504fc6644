import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Paths are relative to this folder: `vite build web` (or `npm run build:web`) writes web/dist,
// which the server's dashboard plugin serves at `/`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: {
    // `npx vite web` during development: the API and webhooks live in `pcbridge serve`.
    proxy: { '/api': 'http://127.0.0.1:8080', '/webhooks': 'http://127.0.0.1:8080' },
  },
});
