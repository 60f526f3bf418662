import { Ajv, type Options } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS with a default export that NodeNext sees as the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

/**
 * JSON bodies are validated as sent: `12345678` is not a password and `["x"]` not a username.
 * Query strings and path parameters arrive as text, so only they are coerced to their types.
 */
const bodies = addFormats(new Ajv({ ...common, coerceTypes: false }));
const textParts = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodies : textParts).compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
