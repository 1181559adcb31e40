/**
 * Waking the worker when deliveries are written. The outbox NOTIFYs `rundun_deliveries` in the event's
 * transaction; on PostgreSQL the worker LISTENs on a dedicated connection, on PGlite the notification
 * is in-process. A LISTEN connection can die silently (server restart, a terminated backend), so every
 * `heartbeatMs` the worker NOTIFYs itself and, if its previous heartbeat never came back, listens anew.
 * Polling in the worker covers the gap either way.
 */
import { sql } from 'kysely';
import type pino from 'pino';
import type { Database } from '../db/connect.js';
import { DELIVERY_CHANNEL } from '../db/events.js';

export const HEARTBEAT_INTERVAL_MS = 10_000;
const HEARTBEAT_PREFIX = 'heartbeat:';

export interface DeliveryListener {
  close(): Promise<void>;
}

export function listenForDeliveries(options: {
  database: Database;
  workerId: string;
  logger: pino.Logger;
  onWake: () => void;
  heartbeatMs?: number;
}): DeliveryListener {
  const { database, workerId, logger, onWake } = options;
  const ownHeartbeat = `${HEARTBEAT_PREFIX}${workerId}`;
  let unlisten: (() => Promise<void>) | undefined;
  let closed = false;
  let awaitingHeartbeat = false;

  const onPayload = (payload: string) => {
    if (payload === ownHeartbeat) awaitingHeartbeat = false;
    else if (!payload.startsWith(HEARTBEAT_PREFIX)) onWake();
  };

  const subscribe = async () => {
    const previous = unlisten;
    unlisten = undefined;
    await previous?.().catch(() => {});
    try {
      const next = await database.listen(DELIVERY_CHANNEL, onPayload);
      if (closed) return void (await next().catch(() => {}));
      unlisten = next;
      onWake(); // anything written while we were not listening
    } catch (error) {
      logger.warn({ err: error }, 'could not LISTEN for deliveries; polling until the next try');
    }
  };

  const tick = async () => {
    if (!unlisten || awaitingHeartbeat) {
      if (unlisten) logger.warn('the delivery LISTEN connection stopped answering; listening anew');
      awaitingHeartbeat = false;
      await subscribe();
    }
    if (closed || !unlisten) return;
    try {
      awaitingHeartbeat = true;
      await sql`select pg_notify(${DELIVERY_CHANNEL}, ${ownHeartbeat})`.execute(database.db);
    } catch {
      awaitingHeartbeat = false; // the database is away; the worker's own retries log that
    }
  };

  const started = subscribe();
  const timer = setInterval(() => void tick(), options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await started;
      await unlisten?.().catch(() => {});
      unlisten = undefined;
    },
  };
}
