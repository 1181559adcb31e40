/**
 * The only reader of process.env. `loadConfig` parses once, fails naming the variable, and returns a
 * frozen object; everything else receives a `Config` (tests build one with `createConfig`).
 */
import fs from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from './domain/passwords.js';

export interface Config {
  port: number;
  host: string;
  /** Base of run links and media URLs, without a trailing slash. */
  publicUrl: string;
  /** PostgreSQL server URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  /**
   * How long opening a PostgreSQL connection may take before the request that needs it answers 503
   * (RUNDUN_DATABASE_CONNECT_TIMEOUT_MS, default 5000): a server that accepts and never answers must
   * not hold requests for ever.
   */
  databaseConnectTimeoutMs: number;
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
  /** Whether anyone may sign up on the dashboard (creating an org); invitations work either way. */
  signupEnabled: boolean;
  /** Credits a new org gets at sign-up. */
  signupCredits: number;
  /**
   * Which proxies may set X-Forwarded-For: false (default: the socket's address is the client's), a
   * hop count, or the addresses/CIDRs of the proxies (RUNDUN_TRUST_PROXY).
   */
  trustProxy: false | number | string[];
  /** /x requests per run and per client address per minute. */
  executorRateLimitPerRun: number;
  executorRateLimitPerAddress: number;
  /** Media uploads per run per minute. */
  uploadRateLimitPerRun: number;
  /** Lookups of well-formed but unknown API keys per client address per minute. */
  unknownApiKeysPerAddress: number;
  /** Images decoded and encoded at once per process; more wait their turn. */
  imageConcurrency: number;
  /** Step events (answers, skips) one run may write; lifecycle events are always written. */
  maxEventsPerRun: number;
  /** The stored request body of an attempt is cut to this many bytes. */
  attemptBodyMaxBytes: number;
  /** Attempt request/response bodies are pruned after this many days; the attempt summary stays. */
  deliveryLogRetentionDays: number;
  /** A final run's webhook secret is wiped this long after its deliveries are done. */
  secretWipeGraceDays: number;
  /** RUNDUN_ENCRYPTION_KEY: `[<key id>:]<base64 32 bytes>`, comma-separated, the first encrypts. */
  encryptionKeys: string | undefined;
  /** Bearer token /metrics requires; unset: /metrics is open (restrict it at the network). */
  metricsToken: string | undefined;
  /** Serve /metrics on this port only (not on the API port); unset: on the API port. */
  metricsPort: number | undefined;
  /** Where full-size media live: `disk` (`<dataDir>/media`, default) or `s3` (any S3-compatible store). */
  mediaStore: 'disk' | 's3';
  /** The S3 store; set when `mediaStore` is `s3` or a bucket is configured. */
  s3: S3Config | undefined;
  /**
   * scrypt parameters of new password hashes (default N = 2^17, r = 8, p = 1). Not read from the
   * environment: only tests lower it (test/helpers/app.ts), and one test checks the default.
   */
  passwordScrypt: Readonly<ScryptCost>;
}

export interface S3Config {
  bucket: string;
  /** Prepended to every key; empty, or ending with `/`. */
  prefix: string;
  /** Base URL of the S3 API, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`. */
  endpoint: string;
  region: string;
  /** `<endpoint>/<bucket>/<key>` (MinIO and most self-hosted servers) instead of `<bucket>.<host>/<key>`. */
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  /** Media URLs answer 302 to a presigned URL of the object instead of passing the bytes through. */
  redirect: boolean;
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
export const DEFAULT_DATABASE_CONNECT_TIMEOUT_MS = 5000;

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

/** RUNDUN_TRUST_PROXY: unset/false/0 → false; an integer → hop count; else a list of addresses/CIDRs. */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  const variable = 'RUNDUN_TRUST_PROXY';
  if (value === undefined || value.trim() === '' || /^(false|no|0)$/i.test(value.trim())) return false;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  if (/^(true|yes)$/i.test(value.trim()))
    throw new ConfigError(
      variable,
      'trusting every proxy lets any client choose its address; give the hop count or the proxies’ CIDRs',
    );
  return value.split(',').map((part) => {
    const entry = part.trim();
    const valid = entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry);
    if (!valid) throw new ConfigError(variable, `"${entry}" is not an IP address or CIDR`);
    return entry;
  });
}

function parseBoolean(variable: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (['1', 'true', 'yes'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(value.toLowerCase())) return false;
  throw new ConfigError(variable, 'must be true or false');
}

function parseSignup(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'open') return true;
  if (value === 'closed') return false;
  throw new ConfigError('RUNDUN_SIGNUP', 'must be open or closed');
}

export function createConfig(overrides: Partial<Config> = {}): Config {
  const port = overrides.port ?? 3000;
  return Object.freeze({
    port,
    host: '127.0.0.1',
    publicUrl: `http://localhost:${port}`,
    databaseUrl: undefined,
    databaseConnectTimeoutMs: DEFAULT_DATABASE_CONNECT_TIMEOUT_MS,
    dataDir: path.resolve('data'),
    webhookAllowInsecure: false,
    retryScheduleMs: parseDurationList('RUNDUN_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE),
    logLevel: 'info',
    signingSecret: undefined,
    mediaUrlTtlSeconds: 7 * 24 * 3600,
    rateLimitPerMinute: 600,
    trustProxy: false,
    executorRateLimitPerRun: 300,
    executorRateLimitPerAddress: 1200,
    uploadRateLimitPerRun: 60,
    unknownApiKeysPerAddress: 20,
    imageConcurrency: 2,
    maxEventsPerRun: 500,
    attemptBodyMaxBytes: 64 * 1024,
    deliveryLogRetentionDays: 30,
    secretWipeGraceDays: 7,
    encryptionKeys: undefined,
    metricsToken: undefined,
    metricsPort: undefined,
    mediaStore: 'disk',
    s3: undefined,
    signupEnabled: true,
    signupCredits: 100,
    passwordScrypt: DEFAULT_SCRYPT_COST,
    ...overrides,
  });
}

function loadS3Config(env: NodeJS.ProcessEnv): S3Config {
  const required = (variable: string) => {
    const value = env[variable];
    if (!value) throw new ConfigError(variable, 'is required when RUNDUN_MEDIA_STORE=s3');
    return value;
  };
  const region = env.RUNDUN_S3_REGION || env.AWS_REGION || 'us-east-1';
  const endpoint = (env.RUNDUN_S3_ENDPOINT || `https://s3.${region}.amazonaws.com`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(endpoint))
    throw new ConfigError('RUNDUN_S3_ENDPOINT', `"${endpoint}" is not a base URL like https://host[:port]`);
  const prefix = (env.RUNDUN_S3_PREFIX ?? '').replace(/^\/+/, '');
  return {
    bucket: required('RUNDUN_S3_BUCKET'),
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    endpoint,
    region,
    forcePathStyle: parseBoolean('RUNDUN_S3_FORCE_PATH_STYLE', env.RUNDUN_S3_FORCE_PATH_STYLE),
    accessKeyId: required('AWS_ACCESS_KEY_ID'),
    secretAccessKey: required('AWS_SECRET_ACCESS_KEY'),
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    redirect: parseBoolean('RUNDUN_S3_REDIRECT', env.RUNDUN_S3_REDIRECT),
  };
}

function parseMediaStore(value: string | undefined): 'disk' | 's3' {
  if (value === undefined || value === '' || value === 'disk') return 'disk';
  if (value === 's3') return 's3';
  throw new ConfigError('RUNDUN_MEDIA_STORE', `must be disk or s3, got "${value}"`);
}

/**
 * Reads a `.env` file (default: in the working directory) into process.env when it is there, with
 * Node's `process.loadEnvFile`, as .env.example suggests; a variable already set in the environment
 * keeps its value. Returns whether a file was read. The `rundun` command calls it once, at start.
 */
export function loadDotEnv(file = '.env'): boolean {
  if (!fs.existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
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
  const metricsToken = env.RUNDUN_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16)
    throw new ConfigError('RUNDUN_METRICS_TOKEN', 'must be at least 16 characters');
  const int = (variable: string, fallback: number, min = 0) =>
    parseInteger(variable, env[variable], fallback, min);
  const mediaStore = parseMediaStore(env.RUNDUN_MEDIA_STORE);
  return createConfig({
    port,
    host: env.HOST || '0.0.0.0',
    publicUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseConnectTimeoutMs: int(
      'RUNDUN_DATABASE_CONNECT_TIMEOUT_MS',
      DEFAULT_DATABASE_CONNECT_TIMEOUT_MS,
      1,
    ),
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
    trustProxy: parseTrustProxy(env.RUNDUN_TRUST_PROXY),
    executorRateLimitPerRun: int('RUNDUN_EXECUTOR_RATE_LIMIT_PER_RUN', 300, 1),
    executorRateLimitPerAddress: int('RUNDUN_EXECUTOR_RATE_LIMIT_PER_ADDRESS', 1200, 1),
    uploadRateLimitPerRun: int('RUNDUN_UPLOAD_RATE_LIMIT_PER_RUN', 60, 1),
    unknownApiKeysPerAddress: int('RUNDUN_UNKNOWN_API_KEYS_PER_ADDRESS', 20, 1),
    imageConcurrency: int('RUNDUN_IMAGE_CONCURRENCY', 2, 1),
    maxEventsPerRun: int('RUNDUN_MAX_EVENTS_PER_RUN', 500, 10),
    attemptBodyMaxBytes: int('RUNDUN_ATTEMPT_BODY_MAX_BYTES', 64 * 1024, 1024),
    deliveryLogRetentionDays: int('RUNDUN_DELIVERY_LOG_RETENTION_DAYS', 30, 1),
    secretWipeGraceDays: int('RUNDUN_SECRET_WIPE_GRACE_DAYS', 7, 0),
    encryptionKeys: env.RUNDUN_ENCRYPTION_KEY || undefined,
    metricsToken,
    metricsPort: env.RUNDUN_METRICS_PORT ? int('RUNDUN_METRICS_PORT', 0, 1) : undefined,
    mediaStore,
    // Read whenever a bucket is named, so `rundun media migrate --to s3` can run before the switch.
    s3: mediaStore === 's3' || env.RUNDUN_S3_BUCKET ? loadS3Config(env) : undefined,
    signupEnabled: parseSignup(env.RUNDUN_SIGNUP),
    signupCredits: parseInteger('RUNDUN_SIGNUP_CREDITS', env.RUNDUN_SIGNUP_CREDITS, 100, 0),
    ...overrides,
  });
}
