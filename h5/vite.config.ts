// The H5 app: Vue 3 + Vant 4 (components imported on demand), built into h5/dist, which the Koa
// server serves at /. `npm run dev` proxies /api to a running server.
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { VantResolver } from '@vant/auto-import-resolver';
import Components from 'unplugin-vue-components/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [vue(), Components({ resolvers: [VantResolver()], dts: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsDir: 'assets',
    reportCompressedSize: false,
  },
  server: {
    port: 5173,
    proxy: { '/api': process.env.KEMAI_API ?? 'http://localhost:3000' },
  },
});
