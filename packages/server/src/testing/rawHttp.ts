import net from 'node:net';

/** Test helper (not shipped behaviour): HTTP/1.1 over a bare TCP socket, for requests fetch refuses to make. */

export interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** Everything the server wrote, head and body. */
  text: string;
  /** Milliseconds from connecting to the server ending the connection (its FIN). */
  closedAfterMs: number;
}

function parse(text: string, closedAfterMs: number): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split < 0 ? text.length : split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: split < 0 ? '' : text.slice(split + 4), text, closedAfterMs };
}

/**
 * Connects to `url`'s host and port, writes each chunk of `chunks` (a string, or a pause in
 * milliseconds before the next write), and resolves with what came back once the server ends the
 * connection (or after `timeoutMs`, with what it had).
 */
export function rawRequest(url: string, chunks: (string | Buffer | number)[], timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    // Half-open, so that this client never closes first: what ends the exchange is the server's FIN.
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    const received: Buffer[] = [];
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(received).toString('utf8'), Date.now() - started));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    // A write into a socket the server has already reset is part of what is being tested.
    socket.on('error', finish);
    void (async () => {
      for (const chunk of chunks) {
        if (closed) return;
        if (typeof chunk === 'number') await new Promise((r) => setTimeout(r, chunk));
        else socket.write(chunk);
      }
    })();
  });
}
