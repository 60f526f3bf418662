import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The built web app (packages/web/dist), next to this package in the repository. */
export const defaultWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** The app's client-side routes: each answers with index.html and the app takes it from there. */
const APP_ROUTES = ['/', '/login', '/register', '/rooms', '/rooms/*', '/invite/*', '/settings/*', '/admin'];

/**
 * Serves the web app from the same port as the API. Hashed assets are cached for good; the HTML
 * is revalidated every time so a deploy takes effect on the next load. Anything else unknown
 * stays a JSON 404, like the API's.
 */
export async function registerWebApp(app: FastifyInstance, webDir = defaultWebDir): Promise<boolean> {
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    app.log.warn({ webDir }, 'web app not built (npm run build): serving the API only');
    return false;
  }
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    index: false,
    setHeaders: (res, filePath) => {
      const immutable = filePath.startsWith(path.join(webDir, 'assets') + path.sep);
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const url of APP_ROUTES) {
    app.get(url, { schema: { hide: true } }, (_request, reply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html'));
  }
  return true;
}
