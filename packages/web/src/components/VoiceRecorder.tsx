import { useEffect, useRef, useState } from 'react';
import { formatDuration } from './Attachments.js';

/** Records a voice message with MediaRecorder; hands back the audio and its measured length. */
export function VoiceRecorder({ onRecorded }: { onRecorded: (audio: Blob, durationMs: number) => void }) {
  const [recording, setRecording] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const started = useRef(0);
  useEffect(() => {
    if (!recording) return;
    const t = setInterval(() => setElapsed(Date.now() - started.current), 250);
    return () => clearInterval(t);
  }, [recording]);

  if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return null;

  async function start() {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'].find((t) => MediaRecorder.isTypeSupported(t));
      const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
      rec.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        const durationMs = Date.now() - started.current;
        if (chunks.length > 0) onRecorded(new Blob(chunks, { type: rec.mimeType || 'audio/webm' }), durationMs);
      };
      recorder.current = rec;
      started.current = Date.now();
      setElapsed(0);
      rec.start(250);
      setRecording(true);
    } catch {
      setError('Microphone not available');
    }
  }

  function stop() {
    recorder.current?.stop();
    recorder.current = null;
    setRecording(false);
  }

  return (
    <>
      <button type="button" className={`icon voice${recording ? ' recording' : ''}`} aria-label={recording ? 'Stop recording and send' : 'Record voice message'} aria-pressed={recording} onClick={() => void (recording ? stop() : start())}>
        {recording ? '■' : '🎤'}
      </button>
      {recording && (
        <span className="recording-time" role="status">
          Recording {formatDuration(elapsed)}
        </span>
      )}
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </>
  );
}
