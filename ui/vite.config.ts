// Vite builds ui/ into ui/dist, which the Tauri shell embeds at compile time
// (`frontendDist` in src-tauri/tauri.conf.json). Everything is bundled locally: the
// app runs offline for weeks, so nothing may be fetched from a CDN.
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  // Tauri serves the files itself; never let Vite clear the screen or open ports we don't use.
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.40+ (Debian 12) and Android System WebView both handle ES2021.
    target: 'es2021',
    // Inlined assets would become data: URLs; the CSP allows them for images only.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});
