import Type from 'typebox';
import { ChannelParams, FileInfo, FileParams } from '@relaydesk/protocol';
import { operations } from '../../openapiResponses.js';

const tags = ['files'];
const bytes = (description: string) => ({ description, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } });
const download = (what: string) => ({
  tags,
  params: FileParams,
  response: {
    200: bytes(`${what}, with the stored Content-Type and a Content-Disposition`),
    206: bytes('The requested byte range (Range: bytes=…)'),
    304: { type: 'null', description: 'Not modified: the copy named by If-None-Match is current' },
  },
  errorStatuses: [416] as const,
});

/** The file routes as the API document describes them; routes.ts validates with the same objects. */
export const fileSchemas = operations({
  uploadFile: {
    tags,
    summary: 'Upload a file',
    description:
      'Members of an active channel; multipart/form-data with one part named `file` (and, for a voice message, `durationMs`). The file is attached when a message names it in `attachmentIds`.',
    params: ChannelParams,
    querystring: Type.Object({ durationMs: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
    documentedBody: {
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary' }, durationMs: { type: 'integer', minimum: 0 } },
          },
        },
      },
    },
    response: { 201: FileInfo },
  },
  getFile: { tags, summary: "A file's metadata", description: 'Readable by whoever can read the channel it was uploaded to.', params: FileParams, response: { 200: FileInfo } },
  downloadFile: { ...download('The file'), summary: 'Download a file', description: 'The bytes as uploaded; ranges and ETag revalidation are supported.' },
  downloadThumbnail: { ...download('The thumbnail (WebP)'), summary: 'Download the thumbnail of an image', description: 'Images only; other files have none (404).' },
  downloadPreview: { ...download('The preview (WebP)'), summary: 'Download the preview of an image', description: 'A larger rendition than the thumbnail; images only (404 otherwise).' },
});
