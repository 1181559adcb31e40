/**
 * Position for templates with `geo: "per_step"`. A fix is requested when a step opens, so that by the
 * time the person taps Next it is usually there; Next waits at most GEO_WAIT_MS for it, and a denied
 * or unavailable position is simply null. Nothing here ever blocks the flow.
 */
import type { Geo } from './types';

const GEO_TIMEOUT_MS = 8_000;
const GEO_WAIT_MS = 1_500;
const FIX_MAX_AGE_MS = 120_000;

let latest: { geo: Geo; at: number } | null = null;
let pending: Promise<Geo | null> | null = null;
let denied = false;

function isGeoAvailable(): boolean {
  return !denied && 'geolocation' in navigator && window.isSecureContext !== false;
}

/** Starts a position request unless one is under way; resolves null on denial, error or timeout. */
export function requestPosition(): Promise<Geo | null> {
  if (!isGeoAvailable()) return Promise.resolve(null);
  if (pending) return pending;
  pending = new Promise<Geo | null>((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const geo = {
          lat: position.coords.latitude,
          lng: position.coords.longitude,
          accuracy_m: Math.round(position.coords.accuracy),
        };
        latest = { geo, at: Date.now() };
        resolve(geo);
      },
      (error) => {
        if (error.code === error.PERMISSION_DENIED) denied = true;
        resolve(null);
      },
      { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: 30_000 },
    );
  }).finally(() => {
    pending = null;
  });
  return pending;
}

/** The freshest position available now, waiting briefly for one in flight; null when there is none. */
export async function takePosition(): Promise<Geo | null> {
  if (latest && Date.now() - latest.at < FIX_MAX_AGE_MS) return latest.geo;
  if (!isGeoAvailable()) return null;
  const timeout = new Promise<null>((resolve) => window.setTimeout(() => resolve(null), GEO_WAIT_MS));
  return Promise.race([requestPosition(), timeout]);
}
