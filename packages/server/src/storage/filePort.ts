/** Uploaded files: metadata and access scope; the bytes live in a BlobStore. */
export interface FileRecord {
  id: string;
  channelId: string;
  uploaderId: string;
  messageId: string | null;
  name: string;
  mime: string;
  size: number;
  kind: 'image' | 'audio' | 'video' | 'file';
  width: number | null;
  height: number | null;
  durationMs: number | null;
  blobKey: string;
  thumbnailKey: string | null;
  previewKey: string | null;
  createdAt: number;
  deletedAt: number | null;
}

export interface FileStore {
  insert(file: FileRecord): Promise<void>;
  /** Deleted files are not found. */
  findById(id: string): Promise<FileRecord | undefined>;
  /** The live files of these messages, in the order each message listed them. */
  listForMessages(messageIds: string[]): Promise<FileRecord[]>;
  /**
   * Attaches the uploader's unattached files in `channelId` to a message; returns how many were
   * attached. Called inside the message's transaction: fewer than asked means refuse the send.
   */
  attach(ids: string[], uploaderId: string, channelId: string, messageId: string): Promise<number>;
  /** Marks a message's files deleted (they stop being served at once); returns them for blob removal. */
  deleteForMessage(messageId: string, now: number): Promise<FileRecord[]>;
  /** Marks unattached uploads older than `before` deleted; returns them for blob removal. */
  deleteUnattached(before: number, now: number): Promise<FileRecord[]>;
}
