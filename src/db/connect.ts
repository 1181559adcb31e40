/**
 * Opens the database: a PostgreSQL server (`DATABASE_URL`) through `pg`, or embedded PGlite in a data
 * directory. Both speak the same SQL; the rest of the code sees a `Kysely<DB>` and a `listen` function.
 *
 * PGlite is one connection in this process. Kysely's PGlite driver hands that one connection to every
 * caller at once, so a query issued while another caller's transaction is open would run inside it;
 * `SerialPGliteDriver` queues callers instead. A data directory may be opened by one process only: a
 * lock file beside the data turns a second `rundun serve` into a clear error instead of corruption.
 *
 * Every error either client throws is marked as the database's as it leaves them (src/db/error-origin.ts),
 * so only these can be taken for a database outage.
 *
 * On PostgreSQL, a statement that starts with `PREPARED` (the hot path: dispatch, key lookup) is a
 * named prepared statement, parsed and planned once per connection instead of on every call; planning
 * the dispatch statement cost more than running it (pgbench, 50 clients: 2,560 tps unprepared, 5,960
 * prepared). Only fixed statements are marked, so the number prepared per connection stays small.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { hash } from 'node:crypto';
import {
  Kysely,
  PGliteDialect,
  PGliteDriver,
  PostgresDialect,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import pg from 'pg';
import lockfile from 'proper-lockfile';
import { fromDatabaseClient } from './error-origin.js';
import type { DB } from './schema.js';

// int8 (bigint) columns hold counts and ledger sums that fit in a double.
pg.types.setTypeParser(20, (value) => Number(value));

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** Calls `onNotify` for every NOTIFY on `channel` after its transaction commits. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * PostgreSQL only: a database of its own single connection whose session runs with `settings`, for a
   * hot statement that needs planner settings without a transaction around it to `SET LOCAL` them.
   * PGlite's one connection is shared by every caller, so it has no such thing.
   */
  openSession?(settings: Readonly<Record<string, string>>): Database;
  close(): Promise<void>;
}

export class DataDirLockedError extends Error {
  constructor(dataDir: string, options?: ErrorOptions) {
    super(
      `The data directory ${dataDir} is in use by another rundun process. ` +
        'Stop it first, or point RUNDUN_DATA_DIR elsewhere. To run several processes, use PostgreSQL (DATABASE_URL).',
      options,
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * The connection, with what its queries throw marked as the database's (src/db/error-origin.ts). A
 * proxy rather than a wrapper: Kysely's PGlite driver begins and commits through methods of the
 * connection object itself, which must see their own private fields.
 */
function markingConnection(connection: DatabaseConnection): DatabaseConnection {
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'executeQuery')
        return (query: CompiledQuery) => fromDatabaseClient(() => target.executeQuery(query));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

type PGliteConnection = Parameters<PGliteDriver['beginTransaction']>[0];

class SerialPGliteDriver extends PGliteDriver {
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;
  readonly #marking = new WeakMap<DatabaseConnection, DatabaseConnection>();

  override async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    const connection = await fromDatabaseClient(() => super.acquireConnection());
    let marking = this.#marking.get(connection);
    if (!marking) this.#marking.set(connection, (marking = markingConnection(connection)));
    return marking;
  }

  override beginTransaction(connection: PGliteConnection): Promise<void> {
    return fromDatabaseClient(() => super.beginTransaction(connection));
  }

  override commitTransaction(connection: PGliteConnection): Promise<void> {
    return fromDatabaseClient(() => super.commitTransaction(connection));
  }

  override rollbackTransaction(connection: PGliteConnection): Promise<void> {
    return fromDatabaseClient(() => super.rollbackTransaction(connection));
  }

  override async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
    return Promise.resolve();
  }
}

class SerialPGliteDialect extends PGliteDialect {
  readonly #pglite: PGlite;
  constructor(pglite: PGlite) {
    super({ pglite });
    this.#pglite = pglite;
  }
  override createDriver() {
    return new SerialPGliteDriver({ pglite: this.#pglite });
  }
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; `undefined` with no `pglite` means in-memory. */
  dataDir?: string | undefined;
  /** An already created PGlite instance (tests load a migrated template into memory). */
  pglite?: PGlite;
  poolSize?: number;
  /**
   * PostgreSQL: how long opening a connection may take before it fails (pg's `connectionTimeoutMillis`;
   * default DEFAULT_CONNECT_TIMEOUT_MS). Without one, a server that accepts and never answers would
   * hold every request, and the pool's queue, for ever.
   */
  connectTimeoutMs?: number;
}

/** RUNDUN_DATABASE_CONNECT_TIMEOUT_MS's default too (src/config.ts). */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return openPostgres(options.databaseUrl, options.poolSize ?? 20, connectTimeoutMs, {});
  }
  return openPGlite(options);
}

const PREPARED_TEXT = '/* prepared */ ';
/** Starts a raw SQL statement that is prepared once per PostgreSQL connection (see the top of this file). */
export const PREPARED = sql.raw(PREPARED_TEXT);

function preparedStatementName(text: string): string {
  return `rundun_${hash('sha256', text, 'hex').slice(0, 24)}`;
}

/** A pooled connection as Kysely sees it, sending statements marked `PREPARED` as named statements. */
class PreparingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly nameOf: (text: string) => string,
  ) {}

  query<R>(text: string, values: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query(text: string | PostgresCursor<unknown>, values?: readonly unknown[]): unknown {
    if (typeof text !== 'string') return this.client.query(text as unknown as pg.Submittable);
    const parameters = values as unknown[];
    return fromDatabaseClient(() =>
      text.startsWith(PREPARED_TEXT)
        ? this.client.query({ name: this.nameOf(text), text, values: parameters })
        : this.client.query(text, parameters),
    );
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = preparedStatementName(text)));
    return name;
  };
  const clients = new WeakMap<pg.PoolClient, PreparingClient>();
  return {
    Client: pg.Client,
    options: pool.options,
    end: () => pool.end(),
    async connect() {
      const client = await fromDatabaseClient(() => pool.connect());
      let wrapped = clients.get(client);
      if (!wrapped) clients.set(client, (wrapped = new PreparingClient(client, nameOf)));
      return wrapped;
    },
  };
}

function openPostgres(
  connectionString: string,
  max: number,
  connectionTimeoutMillis: number,
  settings: Readonly<Record<string, string>>,
): Database {
  // Session settings travel in the startup packet, so a reconnected session has them too.
  const options = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis,
    application_name: 'rundun',
    ...(options ? { options } : {}),
  });
  // An idle client losing its server (restart, failover) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // A checked-out client whose server connection dies between statements emits 'error' on itself;
  // unhandled, that would kill the process. The failed query still rejects, so callers see the error.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  return {
    db,
    kind: 'postgres',
    async listen(channel, onNotify) {
      const client = new pg.Client({
        connectionString,
        connectionTimeoutMillis,
        application_name: 'rundun-listen',
      });
      client.on('error', () => {});
      await fromDatabaseClient(() => client.connect());
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      await fromDatabaseClient(() => client.query(`LISTEN ${quoteIdentifier(channel)}`));
      return async () => {
        await client.end().catch(() => {});
      };
    },
    openSession: (sessionSettings) =>
      openPostgres(connectionString, 1, connectionTimeoutMillis, { ...settings, ...sessionSettings }),
    close: () => db.destroy(),
  };
}

async function openPGlite(options: OpenDatabaseOptions): Promise<Database> {
  let unlock: (() => Promise<void>) | undefined;
  let pglite = options.pglite;
  if (!pglite) {
    if (options.dataDir) {
      fs.mkdirSync(options.dataDir, { recursive: true });
      unlock = await lockDataDir(options.dataDir);
    }
    try {
      pglite = await PGlite.create(options.dataDir ? path.join(options.dataDir, 'pg') : undefined);
    } catch (error) {
      await unlock?.();
      throw error;
    }
  }
  const instance = pglite;
  const db = new Kysely<DB>({ dialect: new SerialPGliteDialect(instance) });
  return {
    db,
    kind: 'pglite',
    async listen(channel, onNotify) {
      return fromDatabaseClient(() => instance.listen(channel, onNotify));
    },
    async close() {
      await db.destroy();
      await unlock?.();
    },
  };
}

async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, 'rundun.lock'),
      stale: 15_000,
      update: 5_000,
      onCompromised: (error) => {
        throw new DataDirLockedError(dataDir, { cause: error });
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED')
      throw new DataDirLockedError(dataDir, { cause: error });
    throw error;
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
