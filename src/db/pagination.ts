/**
 * Keyset pagination over (created_at, id), newest first. The cursor is opaque to clients: base64url of
 * `<created_at ISO>|<id>`. A page asks for one row more than `limit` to know whether another follows.
 */
import { DomainError } from '../domain/errors.js';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(value: string): Cursor {
  const [at, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new DomainError('invalid_request', 'The cursor is not one this API returned.', [
      { pointer: '/cursor', rule: 'cursor', message: 'malformed cursor' },
    ]);
  }
  return { createdAt, id };
}

export function toPage<T extends { created_at: Date; id: string }>(
  rows: T[],
  limit: number,
): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page,
    nextCursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}
