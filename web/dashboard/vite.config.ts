/**
 * The dashboard. Built from the repository root with `npm run build:web`; the server serves
 * dist/index.html for /app and every /app/<path> (deep links), and the hashed files under
 * /app/assets/, hence base '/app/'. Dev: with the API on :3000 (`npm run dev`),
 * `npx vite --config web/dashboard/vite.config.ts` serves http://localhost:5174/app/ and proxies /v1
 * and /media there.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = `http://localhost:${process.env.PORT ?? 3000}`;

export default defineConfig({
  root,
  base: '/app/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: ['es2020', 'chrome90', 'safari14', 'firefox90', 'edge90'],
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: { port: 5174, proxy: { '/v1': api, '/media': api } },
});
