/**
 * Builds the Fastify app (no listening: tests use `app.inject`, src/http/server.ts listens).
 * Three faces: the API (/v1, API keys or the dashboard's session), the executor app and its API (/r,
 * /x, the run id is the capability), the dashboard (/app), plus /media (signed URLs), /docs and
 * /openapi.json, /healthz, /readyz and /metrics.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/connect.js';
import type { MediaStorage } from '../media/storage.js';
import { sha256Hex } from '../domain/secrets.js';
import { createMediaUrlSigner } from '../media/urls.js';
import type { Keyring } from '../secrets/keyring.js';
import type { AppContext } from './context.js';
import { ApiKeyCache, registerApiKeyAuth, bearerTokenHash } from './plugins/api-key-auth.js';
import { registerBadStringCheck } from './bad-strings.js';
import { registerOptionalBodies } from './optional-body.js';
import { registerProblemHandlers } from './problems.js';
import { REQUEST_ID_LOG_LABEL, registerRequestIdHeader, requestIdFor } from './request-id.js';
import { SharedRateCounts, sharedRateLimitStore } from './shared-rate-limit.js';
import { registerDashboardApp } from './routes/dashboard-app.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerApiKeyRoutes } from './routes/v1/api-keys.js';
import { registerAuthRoutes } from './routes/v1/auth.js';
import { registerCreditRoutes } from './routes/v1/credits.js';
import { registerDeliveryRoutes } from './routes/v1/deliveries.js';
import { registerMemberRoutes } from './routes/v1/members.js';
import { registerEventRoutes } from './routes/v1/events.js';
import { registerOrgDeliveryRoutes } from './routes/v1/org-deliveries.js';
import { registerOrgRoutes } from './routes/v1/org.js';
import { registerRunRoutes } from './routes/v1/runs.js';
import { registerTemplateRoutes } from './routes/v1/templates.js';
import { registerExecutorRoutes } from './routes/x/index.js';
import { ProblemSchema } from './schemas.js';
import { readSessionToken, sessionCookieName } from './session-cookie.js';
import { validatorCompiler } from './validation.js';

export const API_BODY_LIMIT_BYTES = 1024 * 1024;

/** A hop count as the function Fastify's types accept (its runtime does the same for a number). */
function trustProxyOption(trust: Config['trustProxy']) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

export interface CreateAppOptions {
  config: Config;
  database: Database;
  secret: string;
  keyring: Keyring;
  now?: () => Date;
  /** Where full-size media are stored; default: the configured store (src/media/storage.ts). */
  storage?: MediaStorage;
  /** The process's logger; tests run without one. */
  loggerInstance?: FastifyBaseLogger;
}

export async function createApp(options: CreateAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false }),
    bodyLimit: API_BODY_LIMIT_BYTES,
    // Off unless RUNDUN_TRUST_PROXY names the proxies: otherwise any client could pick its own address.
    trustProxy: trustProxyOption(options.config.trustProxy),
    requestIdHeader: false,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: REQUEST_ID_LOG_LABEL }),
  });
  const ctx: AppContext = {
    config: options.config,
    database: options.database,
    db: options.database.db,
    secret: options.secret,
    keyring: options.keyring,
    now: options.now ?? (() => new Date()),
    mediaUrls: createMediaUrlSigner({
      publicUrl: options.config.publicUrl,
      secret: options.secret,
      ttlSeconds: options.config.mediaUrlTtlSeconds,
      ...(options.now ? { now: options.now } : {}),
    }),
  };
  app.decorate('ctx', ctx);
  app.setValidatorCompiler(validatorCompiler);
  const databaseOutage = registerProblemHandlers(app);
  registerRequestIdHeader(app);
  registerBadStringCheck(app);
  registerOptionalBodies(app);
  app.addSchema(ProblemSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rundun API',
        version: '1',
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'Dispatch checklist runs and receive signed webhooks. Errors are application/problem+json (RFC 9457).',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'rdk_live_… API key (rdk_test_… for test mode)',
          },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'RUNDUN_METRICS_TOKEN, when the server sets one (GET /metrics only).',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookieName(ctx.config.publicUrl),
            description:
              'The dashboard session (sign in at /v1/auth/sign-in); state-changing requests also send X-CSRF-Token.',
          },
        },
      },
      servers: [{ url: options.config.publicUrl, description: 'This server (PUBLIC_URL).' }],
      security: [{ apiKey: [] }, { session: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  registerHealthRoutes(app, databaseOutage);
  await app.register(import('./routes/metrics.js'));

  await app.register(
    async (v1) => {
      await v1.register(cookie);
      // Registered inside the /v1 scope, so it limits the API only: per key (the hash of the bearer
      // token) for a key found active, per dashboard session, else per address, so each guessed key
      // gets no bucket of its own.
      const keys = new ApiKeyCache(ctx.now);
      // On PostgreSQL the counts are shared by every API process (src/http/shared-rate-limit.ts).
      const shared =
        ctx.database.kind === 'postgres'
          ? new SharedRateCounts(ctx.db, app.log, () => ctx.now().getTime())
          : undefined;
      if (shared) v1.addHook('onClose', () => shared.close());
      await v1.register(rateLimit, {
        ...(shared ? { store: sharedRateLimitStore(shared) } : {}),
        max: ctx.config.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: (request) => {
          const hash = bearerTokenHash(request);
          if (hash && keys.isKnown(hash)) return `key:${hash}`;
          const session = hash ? undefined : readSessionToken(request);
          return session ? `session:${sha256Hex(session)}` : `ip:${request.ip}`;
        },
      });
      // The API speaks JSON only: anything else is 415, not a string to validate.
      v1.removeContentTypeParser('text/plain');
      registerApiKeyAuth(v1, keys);
      registerAuthRoutes(v1);
      registerOrgRoutes(v1);
      registerCreditRoutes(v1);
      registerApiKeyRoutes(v1);
      registerMemberRoutes(v1);
      registerTemplateRoutes(v1);
      registerRunRoutes(v1);
      registerDeliveryRoutes(v1);
      registerOrgDeliveryRoutes(v1);
      registerEventRoutes(v1);
    },
    { prefix: '/v1' },
  );

  await registerExecutorRoutes(app, options.storage ? { storage: options.storage } : {});
  registerDashboardApp(app);
  return app;
}
