import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the Vite server proxies the API and the socket to the RelayDesk server
// (`npm start` in another terminal); in production the server serves dist/ itself.
const target = process.env.RELAYDESK_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  // No source maps in the build: they would publish the app's source as written (the server also
  // refuses to serve *.map in production, should a build leave some behind).
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
    },
  },
});
