import type { FileInfo } from '@relaydesk/protocol';
import { ApiError } from './errors.js';
import type { HttpTransport } from './http.js';

export interface UploadOptions {
  /** Called with bytes sent so far and the total (browsers only: XHR reports upload progress, fetch does not). */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
  /** Voice messages: the recorder's measured length. */
  durationMs?: number;
}

/**
 * Uploads one file to a channel as multipart/form-data. In browsers it uses XMLHttpRequest for
 * progress events and cancellation; elsewhere the transport's own fetch. Either way auth, CSRF and
 * the one renewal after a 401 are the transport's.
 */
export async function uploadFile(http: HttpTransport, channelId: string, file: Blob, name: string, options: UploadOptions = {}): Promise<FileInfo> {
  const path = `/api/v1/channels/${encodeURIComponent(channelId)}/files`;
  const query = options.durationMs === undefined ? undefined : { durationMs: Math.round(options.durationMs) };
  if (typeof XMLHttpRequest === 'undefined') return http.request<FileInfo>('POST', path, { query, body: form(file, name), ...(options.signal ? { signal: options.signal } : {}) });
  return http.withRenewal(() => viaXhr(http, path, query, file, name, options));
}

function form(file: Blob, name: string): FormData {
  const body = new FormData();
  body.append('file', file, name);
  return body;
}

function viaXhr(http: HttpTransport, path: string, query: Record<string, number> | undefined, file: Blob, name: string, options: UploadOptions): Promise<FileInfo> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', http.url(path, query));
    for (const [key, value] of Object.entries(http.authHeaders('POST'))) xhr.setRequestHeader(key, value);
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.total);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', 'The upload failed: the server could not be reached'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
    xhr.onload = () => {
      const headers = new Headers();
      const retryAfter = xhr.getResponseHeader('retry-after');
      if (retryAfter) headers.set('retry-after', retryAfter);
      http.parseResponse<FileInfo>(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, headers })).then(resolve, reject);
    };
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form(file, name));
  });
}
