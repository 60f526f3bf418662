import type { Kysely, Selectable } from 'kysely';
import type { FileRecord, FileStore } from '../filePort.js';
import type { Database, FilesTable } from './schema.js';

const toRecord = (r: Selectable<FilesTable>): FileRecord => ({
  id: r.id,
  channelId: r.channel_id,
  uploaderId: r.uploader_id,
  messageId: r.message_id,
  name: r.name,
  mime: r.mime,
  size: Number(r.size),
  kind: r.kind as FileRecord['kind'],
  width: r.width,
  height: r.height,
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  blobKey: r.blob_key,
  thumbnailKey: r.thumbnail_key,
  previewKey: r.preview_key,
  createdAt: Number(r.created_at),
  deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
});

export class SqlFileStore implements FileStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(f: FileRecord): Promise<void> {
    await this.db
      .insertInto('files')
      .values({
        id: f.id,
        channel_id: f.channelId,
        uploader_id: f.uploaderId,
        message_id: f.messageId,
        name: f.name,
        mime: f.mime,
        size: f.size,
        kind: f.kind,
        width: f.width,
        height: f.height,
        duration_ms: f.durationMs,
        blob_key: f.blobKey,
        thumbnail_key: f.thumbnailKey,
        preview_key: f.previewKey,
        created_at: f.createdAt,
        deleted_at: f.deletedAt,
      })
      .execute();
  }

  async findById(id: string): Promise<FileRecord | undefined> {
    const row = await this.db.selectFrom('files').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row && toRecord(row);
  }

  async listForMessages(messageIds: string[]): Promise<FileRecord[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('files')
      .selectAll()
      .where('message_id', 'in', messageIds)
      .where('deleted_at', 'is', null)
      .orderBy('position')
      .execute();
    return rows.map(toRecord);
  }

  async attach(ids: string[], uploaderId: string, channelId: string, messageId: string): Promise<number> {
    let attached = 0;
    // One update per file (at most FileLimits.perMessageMax) keeps the sender's order.
    for (const [position, id] of ids.entries()) {
      const result = await this.db
        .updateTable('files')
        .set({ message_id: messageId, position })
        .where('id', '=', id)
        .where('uploader_id', '=', uploaderId)
        .where('channel_id', '=', channelId)
        .where('message_id', 'is', null)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      attached += Number(result.numUpdatedRows);
    }
    return attached;
  }

  async deleteForMessage(messageId: string, now: number): Promise<FileRecord[]> {
    const rows = await this.db.selectFrom('files').selectAll().where('message_id', '=', messageId).where('deleted_at', 'is', null).execute();
    if (rows.length === 0) return [];
    await this.db.updateTable('files').set({ deleted_at: now }).where('message_id', '=', messageId).where('deleted_at', 'is', null).execute();
    return rows.map(toRecord);
  }

  async deleteUnattached(before: number, now: number): Promise<FileRecord[]> {
    const rows = await this.db
      .selectFrom('files')
      .selectAll()
      .where('message_id', 'is', null)
      .where('deleted_at', 'is', null)
      .where('created_at', '<', before)
      .limit(500)
      .execute();
    if (rows.length === 0) return [];
    await this.db
      .updateTable('files')
      .set({ deleted_at: now })
      .where('id', 'in', rows.map((r) => r.id))
      .where('message_id', 'is', null)
      .execute();
    return rows.map(toRecord);
  }
}
