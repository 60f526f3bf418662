import { RelayDeskApi, type Message } from './api.js';
import { HttpTransport, type TransportOptions } from './http.js';
import { Outbox, type OutboxItem, type OutboxStore } from './outbox.js';
import { RealtimeClient, type RealtimeOptions } from './realtime.js';

export interface ClientOptions extends TransportOptions {
  realtime?: Omit<RealtimeOptions, 'api'>;
  outboxStore?: OutboxStore;
}

/**
 * Everything an app needs, wired together: the REST API, the real-time connection, and an outbox
 * that sends over the socket when it is up and over REST otherwise.
 */
export class RelayDeskClient {
  readonly http: HttpTransport;
  readonly api: RelayDeskApi;
  readonly realtime: RealtimeClient;
  readonly outbox: Outbox;

  constructor(options: ClientOptions = {}) {
    this.http = new HttpTransport(options);
    this.api = new RelayDeskApi(this.http);
    this.realtime = new RealtimeClient({ ...options.realtime, api: this.api });
    this.outbox = new Outbox({ store: options.outboxStore, deliver: (item) => this.deliver(item) });
    // A connection coming back is the moment to send what waited for it.
    this.realtime.on('state', (state) => {
      if (state === 'online' || state === 'fallback') void this.outbox.flush();
    });
  }

  /** Stops the connection and the outbox's retries (unsent messages stay in the outbox store). */
  close(): void {
    this.realtime.stop();
    this.outbox.stop();
  }

  private async deliver(item: OutboxItem): Promise<Message> {
    const { channelId, body, clientMessageId, threadRootId, attachmentIds } = item;
    // The socket's send frame carries no attachments: messages with files go over REST.
    if (attachmentIds?.length) return this.api.channels.send(channelId, { body, clientMessageId, attachmentIds, ...(threadRootId ? { threadRootId } : {}) });
    if (this.realtime.state === 'online') {
      const ack = await this.realtime.request({ type: 'send', channelId, body, clientMessageId, ...(threadRootId ? { threadRootId } : {}) });
      if (ack.message) return ack.message;
    }
    return this.api.channels.send(channelId, { body, clientMessageId, ...(threadRootId ? { threadRootId } : {}) });
  }
}
