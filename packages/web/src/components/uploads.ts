import { useCallback, useRef, useState } from 'react';
import { isApiError, type FileInfo } from '@relaydesk/client';
import { FileLimits } from '@relaydesk/protocol';
import { api } from '../sdk.js';

export interface PendingUpload {
  key: string;
  name: string;
  size: number;
  sent: number;
  status: 'uploading' | 'done' | 'failed';
  error?: string;
  file?: FileInfo;
  cancel: () => void;
}

const MESSAGES: Record<string, string> = {
  FILE_TOO_LARGE: 'The file is too large.',
  IMAGE_TOO_LARGE: 'The image has too many pixels.',
  FILE_EXECUTABLE: 'Programs and scripts cannot be shared.',
  FILE_TYPE_NOT_ALLOWED: 'This type of file is not accepted.',
  FILE_TYPE_MISMATCH: 'The file’s name does not match its content.',
  FILE_CONTENT_SUSPICIOUS: 'The file contains embedded code.',
};

/** Uploads for the composer: progress, cancel, and the ids to attach once all are done. */
export function useUploads(channelId: string) {
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const counter = useRef(0);
  const update = (key: string, patch: Partial<PendingUpload>) => setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const add = useCallback(
    (files: Iterable<File | Blob>, options: { durationMs?: number; name?: string } = {}) => {
      for (const file of files) {
        const key = `u${++counter.current}`;
        const controller = new AbortController();
        const name = options.name ?? (file instanceof File ? file.name : 'file');
        const cancel = () => {
          controller.abort();
          setUploads((list) => list.filter((u) => u.key !== key));
        };
        setUploads((list) => [...list, { key, name, size: file.size, sent: 0, status: 'uploading' as const, cancel }].slice(-FileLimits.perMessageMax));
        api.files
          .upload(channelId, file, name, { signal: controller.signal, onProgress: (sent) => update(key, { sent }), ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}) })
          .then(
            (info) => update(key, { status: 'done', sent: file.size, file: info }),
            (e) => {
              if ((e as Error).name === 'AbortError') return;
              update(key, { status: 'failed', error: isApiError(e) ? (MESSAGES[e.code] ?? e.message) : 'Upload failed' });
            },
          );
      }
    },
    [channelId],
  );

  return {
    uploads,
    add,
    ready: uploads.length > 0 && uploads.every((u) => u.status !== 'uploading'),
    busy: uploads.some((u) => u.status === 'uploading'),
    attachmentIds: uploads.filter((u) => u.status === 'done' && u.file).map((u) => u.file!.id),
    clear: () => setUploads([]),
    remove: (key: string) => setUploads((list) => list.filter((u) => u.key !== key)),
  };
}
