import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The built web app (packages/web/dist), next to this package in the repository. */
export const defaultWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** The app's client-side routes: each answers with index.html and the app takes it from there. */
const APP_ROUTES = ['/', '/login', '/register', '/set-password', '/rooms', '/rooms/*', '/invite/*', '/settings/*', '/admin'];

/** Vite's file names carry a content hash, so a file under assets/ never changes under its name. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

export interface WebAppOptions {
  webDir?: string;
  /** Production never serves source maps, even if a build left some in the directory. */
  production: boolean;
}

/**
 * Serves the web app from the same port as the API. Hashed assets are cached for good; the HTML
 * (and anything else unhashed) is revalidated every time so a deploy takes effect on the next load.
 * Anything else unknown stays a JSON 404, like the API's.
 */
export async function registerWebApp(app: FastifyInstance, options: WebAppOptions): Promise<boolean> {
  const webDir = options.webDir ?? defaultWebDir;
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    app.log.warn({ webDir }, 'web app not built (npm run build): serving the API only');
    return false;
  }
  const assetsDir = path.join(webDir, 'assets') + path.sep;
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    index: false,
    // Left on, `send` writes its own `public, max-age=0` over the header set below.
    cacheControl: false,
    allowedPath: (pathName) => !(options.production && pathName.endsWith('.map')),
    setHeaders: (res, filePath) => {
      res.setHeader('Cache-Control', filePath.startsWith(assetsDir) ? IMMUTABLE_CACHE : 'no-cache');
    },
  });
  for (const url of APP_ROUTES) {
    app.get(url, { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
  }
  return true;
}
