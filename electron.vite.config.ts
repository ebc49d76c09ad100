// electron-vite build of the desktop app: main process (with the explain worker as its own entry),
// preload, and the same Svelte renderer the browser shell serves (vite.renderer.config.ts).
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { fileURLToPath } from 'node:url';
import renderer from './vite.renderer.config.js';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: 'src-main/shells/electron/main.ts',
          explainWorker: 'src-main/services/explainWorker.ts',
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads cannot be ES modules; .cjs keeps Node from reading it as one in this "type": "module" package.
      rollupOptions: { input: { index: 'src-main/shells/electron/preload.ts' }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  // The renderer config already writes to <repo>/out/renderer; electron-vite only needs the entry named.
  renderer: {
    ...renderer,
    build: {
      ...renderer.build,
      rollupOptions: { ...renderer.build?.rollupOptions, input: fileURLToPath(new URL('./src-renderer/index.html', import.meta.url)) },
    },
  },
});
