/** What route handlers reach through `app.ctx`: configuration, the database, the clock and media URLs. */
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/connect.js';
import type { DB } from '../db/schema.js';
import type { MediaUrlSigner } from '../media/urls.js';
import type { Keyring } from '../secrets/keyring.js';

export interface AppContext {
  config: Config;
  database: Database;
  db: Kysely<DB>;
  mediaUrls: MediaUrlSigner;
  /** The clock; tests pass their own to move time. */
  now: () => Date;
  /** The instance secret for signed URLs and cookies. */
  secret: string;
  /** Encrypts webhook secrets before they are stored. */
  keyring: Keyring;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
