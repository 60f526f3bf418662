import { useMemo, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import { MessageLimits } from '@relaydesk/protocol';
import { useChat } from '../state/store.js';
import { send, sendVoice, typing } from '../state/chat.js';
import { useUploads } from './uploads.js';
import { formatBytes } from './Attachments.js';
import { VoiceRecorder } from './VoiceRecorder.js';

/**
 * The message box. Enter sends, Shift+Enter starts a new line; `@` opens member suggestions
 * (arrow keys, Enter or Tab to pick). Sending goes through the outbox, so it works offline too.
 */
export function Composer({ channelId, threadRootId, label }: { channelId: string; threadRootId?: string; label: string }) {
  const [body, setBody] = useState('');
  const [active, setActive] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [voiceError, setVoiceError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const files = useUploads(channelId);
  const members = useChat((s) => s.members);
  const archived = useChat((s) => s.channels[channelId]?.archived ?? false);
  const query = /(?:^|\s)@([a-z0-9_]*)$/i.exec(body)?.[1];
  const suggestions = useMemo(() => {
    if (query === undefined) return [];
    const q = query.toLowerCase();
    const people = Object.values(members).filter((m) => m.username.startsWith(q) || m.displayName.toLowerCase().startsWith(q));
    const names = people.slice(0, 6).map((m) => ({ value: m.username, label: `${m.displayName} @${m.username}` }));
    return 'channel'.startsWith(q) ? [...names, { value: 'channel', label: '@channel — notify everyone here' }] : names;
  }, [query, members]);
  const listId = `mentions-${threadRootId ?? channelId}`;

  function pick(value: string) {
    setBody((b) => b.replace(/@([a-z0-9_]*)$/i, `@${value} `));
    setActive(0);
  }

  function submit(e?: FormEvent) {
    e?.preventDefault();
    const text = body.trim();
    const attachmentIds = files.attachmentIds;
    if ((!text && attachmentIds.length === 0) || files.busy || [...text].length > MessageLimits.bodyMax) return;
    setBody('');
    files.clear();
    void send(text, threadRootId, attachmentIds);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length > 0) files.add(e.dataTransfer.files);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggestions.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(suggestions[active]?.value ?? suggestions[0]!.value);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      // Without this the browser still inserts the newline into the box just emptied (and that
      // change would tell the others we are typing again).
      e.preventDefault();
      submit();
    }
  }

  const tooLong = [...body].length > MessageLimits.bodyMax;
  if (archived) return <p className="archived-note">This channel is archived: it is read-only.</p>;
  const canSend = (body.trim() !== '' || files.attachmentIds.length > 0) && !files.busy && !tooLong;
  return (
    <form
      className={`composer${dragging ? ' dragging' : ''}`}
      onSubmit={submit}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {files.uploads.length > 0 && (
        <ul className="upload-list" aria-label="Attachments">
          {files.uploads.map((u) => (
            <li key={u.key} data-status={u.status}>
              <span className="upload-name">{u.name}</span>
              {u.status === 'uploading' && <progress max={u.size || 1} value={u.sent} aria-label={`Uploading ${u.name}`} />}
              {u.status === 'done' && <small>{formatBytes(u.size)} · ready</small>}
              {u.status === 'failed' && (
                <small className="field-error" role="alert">
                  {u.error}
                </small>
              )}
              <button type="button" className="link" aria-label={`${u.status === 'uploading' ? 'Cancel upload of' : 'Remove'} ${u.name}`} onClick={() => (u.status === 'uploading' ? u.cancel() : files.remove(u.key))}>
                {u.status === 'uploading' ? 'Cancel' : 'Remove'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {suggestions.length > 0 && (
        <ul id={listId} role="listbox" className="mention-list" aria-label="Mention suggestions">
          {suggestions.map((s, i) => (
            <li key={s.value} id={`${listId}-${i}`} role="option" aria-selected={i === active} onMouseDown={(e) => (e.preventDefault(), pick(s.value))}>
              {s.label}
            </li>
          ))}
        </ul>
      )}
      <textarea
        aria-label={label}
        placeholder="Type a message..."
        value={body}
        rows={1}
        onChange={(e) => {
          setBody(e.target.value);
          if (e.target.value) typing(channelId);
        }}
        onKeyDown={onKeyDown}
        aria-autocomplete="list"
        aria-controls={suggestions.length > 0 ? listId : undefined}
        aria-activedescendant={suggestions.length > 0 ? `${listId}-${active}` : undefined}
        aria-invalid={tooLong || undefined}
      />
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        aria-hidden="true"
        tabIndex={-1}
        data-testid="file-input"
        onChange={(e) => {
          if (e.target.files) files.add(e.target.files);
          e.target.value = '';
        }}
      />
      <button type="button" className="icon attach" aria-label="Attach files" title="Attach files" onClick={() => fileInput.current?.click()}>
        📎
      </button>
      <VoiceRecorder onRecorded={(audio, ms) => void sendVoice(channelId, audio, ms, threadRootId).then(() => setVoiceError(null), () => setVoiceError('The voice message could not be sent'))} />
      <button type="submit" className="send" aria-label="Send" disabled={!canSend}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3 20l18-8L3 4v6l12 2-12 2z" fill="currentColor" />
        </svg>
      </button>
      {voiceError && (
        <small className="field-error" role="alert">
          {voiceError}
        </small>
      )}
      {tooLong && (
        <small className="field-error" role="alert">
          Messages can be at most {MessageLimits.bodyMax.toLocaleString()} characters.
        </small>
      )}
    </form>
  );
}
