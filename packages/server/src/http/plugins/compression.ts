import type { FastifyInstance } from 'fastify';
import compress from '@fastify/compress';

/**
 * What gets compressed: the API's JSON, the web app's scripts, styles, HTML and SVG, and the
 * metrics text. Not `text/event-stream` (a compressor buffers, and an SSE event must leave at
 * once), and not the octet-streams, media and archives users upload (already compressed, or
 * served as exact bytes with ranges).
 */
const COMPRESSIBLE = /^(application\/(json|javascript|manifest\+json|openmetrics-text)|text\/(javascript|css|html|plain)|image\/svg\+xml)(;|$)/;

/**
 * Below this many bytes the saving is lost in the framing and the CPU cost is not; most auth and
 * ack answers stay under it. It also keeps compression away from short answers that mix a secret
 * with reflected input, the shape a BREACH-style length oracle needs.
 */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Response compression, brotli preferred over gzip, by the client's Accept-Encoding. Register it
 * before the routes: it attaches to each route as it is added. WebSocket frames are deliberately
 * not compressed (the gateway keeps `perMessageDeflate: false`; see docs/operations.md).
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE,
    // Compressed request bodies are not part of the API; inflating them would only add a bomb to defuse.
    globalDecompression: false,
  });
}
