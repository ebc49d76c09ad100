// Vite build of the Svelte renderer (src-renderer → out/renderer), loadable from file:// or a custom scheme under a strict CSP.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  // Relative asset URLs: the Electron shell loads index.html from disk or a custom protocol, not from a web root.
  base: './',
  plugins: [svelte({ compilerOptions: { runes: true } })],
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    // The polyfill is dead code in Chromium shells; dropping it keeps the entry free of anything inline.
    modulePreload: { polyfill: false },
    // One CSS file beside the scripts: a CSP without 'unsafe-inline' for scripts is unaffected by styles, but no
    // asset should become an inline data: script either.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // zod ships comments Rollup cannot place; they are harmless and otherwise flood every build log.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
