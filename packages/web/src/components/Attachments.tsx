import { useState } from 'react';
import type { FileInfo } from '@relaydesk/client';
import { Dialog } from './Dialog.js';

export const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`);
export const formatDuration = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** A message's files: image thumbnails (space reserved from the stored size) with a lightbox, players for media, cards for the rest. */
export function Attachments({ files }: { files: FileInfo[] }) {
  const [open, setOpen] = useState<FileInfo | null>(null);
  if (files.length === 0) return null;
  return (
    <div className="attachments">
      {files.map((f) => {
        if (f.kind === 'image' && f.thumbnailUrl) {
          const scale = Math.min(1, 320 / Math.max(f.width ?? 320, f.height ?? 320));
          return (
            <button key={f.id} type="button" className="image-attachment" aria-label={`Open image ${f.name}`} onClick={() => setOpen(f)}>
              <img src={f.thumbnailUrl} alt={f.name} width={Math.round((f.width ?? 320) * scale)} height={Math.round((f.height ?? 240) * scale)} loading="lazy" />
            </button>
          );
        }
        if (f.kind === 'audio') {
          return (
            <div key={f.id} className="audio-attachment">
              <audio controls preload="metadata" src={f.url} aria-label={`Voice message ${f.name}`} />
              {f.durationMs !== null && <span className="duration">{formatDuration(f.durationMs)}</span>}
            </div>
          );
        }
        if (f.kind === 'video') return <video key={f.id} className="video-attachment" controls preload="metadata" src={f.url} aria-label={f.name} />;
        return (
          <a key={f.id} className="file-card" href={f.url} download={f.name}>
            <span className="file-icon" aria-hidden="true">
              📄
            </span>
            <span>
              <strong>{f.name}</strong>
              <small>
                {' '}
                {f.mime} · {formatBytes(f.size)}
              </small>
            </span>
          </a>
        );
      })}
      <Dialog title={open?.name ?? 'Image'} open={open !== null} onClose={() => setOpen(null)}>
        {open && (
          <figure className="lightbox">
            <img src={open.previewUrl ?? open.url} alt={open.name} />
            <figcaption>
              <a href={open.url} target="_blank" rel="noopener noreferrer">
                Open original
              </a>{' '}
              · {formatBytes(open.size)}
            </figcaption>
          </figure>
        )}
      </Dialog>
    </div>
  );
}
