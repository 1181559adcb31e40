/**
 * The only reader of process.env. `loadConfig` parses once, fails naming the variable, and returns a
 * frozen object; everything else receives a `Config` (tests build one with `createConfig`).
 */
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** Base of run links and media URLs, without a trailing slash. */
  publicUrl: string;
  /** PostgreSQL server URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Allow http:// and private/loopback webhook targets (local development and tests only). */
  webhookAllowInsecure: boolean;
  /** Delays before attempts 2..n, in milliseconds. */
  retryScheduleMs: readonly number[];
  logLevel: string;
  /** HMAC key for signed media URLs; when absent one is generated once and kept in the database. */
  signingSecret: string | undefined;
  mediaUrlTtlSeconds: number;
  rateLimitPerMinute: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_RETRY_SCHEDULE = '30s,2m,10m,1h,6h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `30s,2m,10m,1h,6h` into milliseconds. */
export function parseDurationList(variable: string, value: string): number[] {
  return value.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h|d)\s*$/.exec(part);
    if (!match) throw new ConfigError(variable, `"${part}" is not a duration like 30s, 2m, 1h or 250ms`);
    return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
  });
}

function parseInteger(variable: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(variable, `must be an integer ≥ ${min}`);
  return n;
}

function parseBoolean(variable: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (['1', 'true', 'yes'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(value.toLowerCase())) return false;
  throw new ConfigError(variable, 'must be true or false');
}

export function createConfig(overrides: Partial<Config> = {}): Config {
  const port = overrides.port ?? 3000;
  return Object.freeze({
    port,
    host: '127.0.0.1',
    publicUrl: `http://localhost:${port}`,
    databaseUrl: undefined,
    dataDir: path.resolve('data'),
    webhookAllowInsecure: false,
    retryScheduleMs: parseDurationList('RUNDUN_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE),
    logLevel: 'info',
    signingSecret: undefined,
    mediaUrlTtlSeconds: 7 * 24 * 3600,
    rateLimitPerMinute: 600,
    ...overrides,
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const port = overrides.port ?? parseInteger('PORT', env.PORT, 3000, 0);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError('PUBLIC_URL', `"${publicUrl}" is not an absolute URL`);
  }
  const signingSecret = env.RUNDUN_SECRET ?? undefined;
  if (signingSecret !== undefined && signingSecret.length < 32) {
    throw new ConfigError('RUNDUN_SECRET', 'must be at least 32 characters');
  }
  return createConfig({
    port,
    host: env.HOST || '0.0.0.0',
    publicUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.RUNDUN_DATA_DIR || 'data'),
    webhookAllowInsecure: parseBoolean('RUNDUN_WEBHOOK_ALLOW_INSECURE', env.RUNDUN_WEBHOOK_ALLOW_INSECURE),
    retryScheduleMs: parseDurationList(
      'RUNDUN_RETRY_SCHEDULE',
      env.RUNDUN_RETRY_SCHEDULE || DEFAULT_RETRY_SCHEDULE,
    ),
    logLevel: env.LOG_LEVEL || 'info',
    ...(signingSecret ? { signingSecret } : {}),
    mediaUrlTtlSeconds: parseInteger(
      'RUNDUN_MEDIA_URL_TTL_SECONDS',
      env.RUNDUN_MEDIA_URL_TTL_SECONDS,
      604800,
      60,
    ),
    rateLimitPerMinute: parseInteger(
      'RUNDUN_RATE_LIMIT_PER_MINUTE',
      env.RUNDUN_RATE_LIMIT_PER_MINUTE,
      600,
      1,
    ),
    ...overrides,
  });
}
