import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the Vite server proxies the API and the socket to the RelayDesk server
// (`npm start` in another terminal); in production the server serves dist/ itself.
const target = process.env.RELAYDESK_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
    },
  },
});
