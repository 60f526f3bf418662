import type { FileInfo } from '@relaydesk/protocol';
import type { FileRecord } from '../storage/port.js';

export function presentFile(f: FileRecord): FileInfo {
  const base = `/api/v1/files/${f.id}`;
  return {
    id: f.id,
    channelId: f.channelId,
    uploaderId: f.uploaderId,
    messageId: f.messageId,
    name: f.name,
    mime: f.mime,
    size: f.size,
    kind: f.kind,
    width: f.width,
    height: f.height,
    durationMs: f.durationMs,
    url: `${base}/content`,
    thumbnailUrl: f.thumbnailKey ? `${base}/thumbnail` : null,
    previewUrl: f.previewKey ? `${base}/preview` : null,
    createdAt: new Date(f.createdAt).toISOString(),
  };
}
