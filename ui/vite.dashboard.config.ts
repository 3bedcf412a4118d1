// The coordinator's dashboard: the second Vite entry of ui/ (dashboard.html), built into
// ui/dist-dashboard, which lantern-server embeds in its binary at compile time
// (crates/lantern-server/build.rs). Everything, the chart library included, is bundled
// locally: the server often runs on an offline LAN, so nothing may come from a CDN.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: 'dist-dashboard',
    emptyOutDir: true,
    target: 'es2021',
    // No data: URLs for scripts or styles; the server's CSP allows only its own files.
    assetsInlineLimit: 0,
    // ECharts is one large, cacheable chunk on purpose.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: 'dashboard.html',
    },
  },
});
