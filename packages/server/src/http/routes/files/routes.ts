import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { AppError } from '../../../errors.js';
import { uploadFile } from '../../../actions/fileUploader.js';
import { QueueRefusal } from '../../../files/workQueue.js';
import { readableFile } from '../../../actions/fileAccess.js';
import { presentFile } from '../../../presenters/files.js';
import { sendFile, type Variant } from './download.js';
import { fileSchemas } from './schemas.js';

const variantSchemas = { content: fileSchemas.downloadFile, thumbnail: fileSchemas.downloadThumbnail, preview: fileSchemas.downloadPreview };

const auth = { auth: 'required' as const };

/**
 * Uploads (multipart, one `file` part) and downloads. Multipart parsing is registered only in
 * this scope: every other route keeps accepting JSON alone.
 */
export async function registerFileRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, {
      // One over the limit, so the parser stops reading but the action sees the excess and answers 413.
      limits: { fileSize: ctx.config.uploadMaxBytes + 1, files: 1, fields: 4, fieldSize: 1024, parts: 5 },
      throwFileSizeLimit: false,
    });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      '/api/v1/channels/:channelId/files',
      {
        schema: fileSchemas.uploadFile,
        config: auth,
      },
      async (request, reply) => {
        const userId = principalOf(request).user.id;
        if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in a part named "file"');
        const part = await request.file().catch((err: Error & { statusCode?: number }) => {
          // The parser's own errors (no boundary, a body cut off or not multipart at all) are bad
          // input, not a server fault; its limit errors carry their status and pass through.
          throw err.statusCode ? err : new AppError('BAD_REQUEST', 'The body is not valid multipart/form-data');
        });
        if (!part || part.fieldname !== 'file') throw new AppError('VALIDATION_FAILED', 'A part named "file" is required', [{ field: 'file', message: 'is required' }]);
        const fieldDuration = (part.fields.durationMs as { value?: unknown } | undefined)?.value;
        const durationMs = request.query.durationMs ?? (fieldDuration === undefined ? undefined : Number(fieldDuration));
        try {
          const file = await uploadFile(ctx, userId, request.params.channelId, {
            filename: part.filename,
            mimetype: part.mimetype,
            stream: part.file,
            ...(durationMs === undefined ? {} : { durationMs }),
          });
          return reply.code(201).send(presentFile(file));
        } catch (err) {
          if (err instanceof QueueRefusal) reply.header('Retry-After', err.retryAfterSeconds);
          throw err;
        } finally {
          // A refusal before the stream was read (no access, wrong type): drain it so the reply can go out.
          part.file.resume();
        }
      },
    );

    r.get('/api/v1/files/:fileId', { schema: fileSchemas.getFile, config: auth }, async (request) =>
      presentFile(await readableFile(ctx, principalOf(request).user.id, request.params.fileId)),
    );

    for (const variant of ['content', 'thumbnail', 'preview'] as const satisfies readonly Variant[]) {
      r.get(`/api/v1/files/:fileId/${variant}`, { schema: variantSchemas[variant], config: auth }, async (request, reply) => {
        const file = await readableFile(ctx, principalOf(request).user.id, request.params.fileId);
        return sendFile(ctx, request, reply, file, variant);
      });
    }
  });
}
