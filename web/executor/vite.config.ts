/**
 * The executor app. Built from the repository root with `npm run build:web`; the server serves
 * dist/index.html for every GET /r/:run_id and the hashed files under /r/assets/, hence base '/r/'.
 * Dev: with the API on :3000 (`npm run dev`), `npx vite --config web/executor/vite.config.ts` serves
 * the app at http://localhost:5173/r/<run_id> and proxies /x there.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const BASE = '/r/';

/**
 * Adds src/preload.ts to index.html as an async module script, as its own hashed entry. It is not an
 * inline script so that the server's Content-Security-Policy (script-src 'self') allows it.
 */
function injectPreloadScript(): Plugin {
  return {
    name: 'rundun-inject-preload',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const chunk = Object.values(context.bundle ?? {}).find(
          (output) => output.type === 'chunk' && output.isEntry && output.name === 'preload',
        );
        const src = chunk ? `${BASE}${chunk.fileName}` : `${BASE}src/preload.ts`;
        return [{ tag: 'script', attrs: { type: 'module', async: true, src }, injectTo: 'head' }];
      },
    },
  };
}

/**
 * Writes the service worker (src/service-worker.ts, built as the `sw` entry) to dist/sw.js, not
 * hashed (its URL must stay the same for the browser to find updates), with this build's id, its
 * files under /r/assets/ and the main script's URL put in place of its placeholders.
 */
function writeServiceWorker(): Plugin {
  return {
    name: 'rundun-service-worker',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const worker = Object.values(bundle).find(
        (output) => output.type === 'chunk' && output.isEntry && output.name === 'sw',
      );
      if (!worker || worker.type !== 'chunk') return;
      const files = Object.values(bundle)
        .map((output) => output.fileName)
        .filter((name) => name.startsWith('assets/'))
        .sort();
      const entry = Object.values(bundle).find(
        (output) => output.type === 'chunk' && output.isEntry && output.name === 'index',
      );
      const build = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      worker.code = worker.code
        .replace('__RUNDUN_BUILD__', build)
        .replace('__RUNDUN_ASSETS__', JSON.stringify(files.map((name) => `${BASE}${name}`)))
        .replace('__RUNDUN_ENTRY__', entry ? `${BASE}${entry.fileName}` : BASE);
    },
  };
}

export default defineConfig({
  root,
  base: BASE,
  plugins: [preact(), injectPreloadScript(), writeServiceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Cheap and old phones: Chrome 80 (Android, 2020) and Safari 14 (iOS 14) and up.
    target: ['es2020', 'chrome80', 'safari14', 'firefox78', 'edge88'],
    modulePreload: { polyfill: false },
    sourcemap: false,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        preload: fileURLToPath(new URL('src/preload.ts', import.meta.url)),
        sw: fileURLToPath(new URL('src/service-worker.ts', import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    proxy: { '/x': `http://localhost:${process.env.PORT ?? 3000}` },
  },
});
