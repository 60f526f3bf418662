import type { AppContext } from '../context.js';
import type { FileRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessChannel } from '../policies/channelAccess.js';

/**
 * A file is readable exactly when its channel is (the same 404 otherwise, across workspaces too),
 * and, until a message carries it, only by its uploader.
 */
export async function readableFile(ctx: AppContext, userId: string, fileId: string): Promise<FileRecord> {
  const file = await ctx.storage.files.findById(fileId);
  if (!file) throw new AppError('NOT_FOUND', 'No such file');
  await accessChannel(ctx, userId, file.channelId).catch((err: unknown) => {
    // Not allowed to see the channel: the file does not exist for this user. Anything else (the
    // database failing) stays what it is.
    throw err instanceof AppError && err.code === 'NOT_FOUND' ? new AppError('NOT_FOUND', 'No such file') : err;
  });
  if (file.messageId === null && file.uploaderId !== userId) throw new AppError('NOT_FOUND', 'No such file');
  return file;
}
