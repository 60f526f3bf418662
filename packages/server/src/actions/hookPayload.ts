import type { IncomingHookPayload } from '@relaydesk/protocol';

/**
 * A Mattermost/Slack incoming-webhook payload as one Markdown message body: the text, then each
 * attachment (pretext, author, linked title, text, fields, footer) as a quoted block, which is
 * how those apps' attachments read when cards are not available. `fallback` stands in for an
 * attachment with nothing else to show. `username` and `icon_url` are not rendered: the message
 * is the hook's bot's, named when the hook was made (one name per hook cannot be spoofed per post).
 */
export function renderHookPayload(payload: IncomingHookPayload): string {
  const parts = [payload.text.trim()];
  for (const a of payload.attachments ?? []) {
    const lines: string[] = [];
    if (a.pretext) lines.push(a.pretext);
    if (a.author_name) lines.push(`*${a.author_name}*`);
    if (a.title) lines.push(a.title_link && /^https?:\/\//i.test(a.title_link) ? `**[${a.title}](${a.title_link})**` : `**${a.title}**`);
    if (a.text) lines.push(a.text);
    for (const f of a.fields ?? []) if (f.title || f.value) lines.push(`**${f.title ?? ''}**${f.title && f.value ? ': ' : ''}${f.value ?? ''}`);
    if (a.footer) lines.push(`_${a.footer}_`);
    if (lines.length === 0 && a.fallback) lines.push(a.fallback);
    if (lines.length > 0) parts.push(lines.flatMap((l) => l.split('\n')).map((l) => `> ${l}`).join('\n'));
  }
  return parts.join('\n\n');
}
