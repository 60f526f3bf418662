import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { findBadString, type BadString } from '../actions/textRules.js';

// Text reaches the API decoded strictly (docs/text.md): bytes that are not UTF-8 and strings that
// are not well-formed Unicode are refused, never replaced by U+FFFD on the way in, because a
// replaced value is not what the client sent and not what it was told was stored.

const utf8 = new TextDecoder('utf-8', { fatal: true });

const badField = (part: string, bad: BadString) =>
  new AppError('VALIDATION_FAILED', `The request's ${part} is not valid text`, [bad]);

/** Each `name=value` of a raw query must percent-decode to UTF-8; `+` is a space as usual. */
function strictlyDecodable(rawQuery: string): boolean {
  for (const pair of rawQuery.split('&')) {
    try {
      decodeURIComponent(pair.replace(/\+/g, ' '));
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * JSON bodies are decoded with a fatal UTF-8 decoder and checked for unpaired surrogates
 * (`"\ud800"` escapes) and NULs in every key and value; query strings and path parameters get the
 * same check, and a query whose percent-encoding is not UTF-8 is refused instead of being kept
 * half-decoded.
 */
export function registerStrictText(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      return done(new AppError('UNSUPPORTED_MEDIA_TYPE', 'JSON is read as UTF-8 only'), undefined);
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(new AppError('BAD_REQUEST', 'The body is not valid UTF-8'), undefined);
    }
    parseJson(request, text, (err, value) => {
      if (err) return done(err, undefined);
      const bad = findBadString(value);
      return bad ? done(badField('body', bad), undefined) : done(null, value);
    });
  });

  app.addHook('preValidation', async (request: FastifyRequest) => {
    const queryStart = request.url.indexOf('?');
    if (queryStart >= 0 && !strictlyDecodable(request.url.slice(queryStart + 1))) {
      throw new AppError('BAD_REQUEST', 'The query string is not valid percent-encoded UTF-8');
    }
    const badQuery = findBadString(request.query);
    if (badQuery) throw badField('query string', badQuery);
    const badParam = findBadString(request.params);
    if (badParam) throw badField('path', badParam);
  });
}
