/** A dashboard browser as `app.inject` sees it: keeps the session cookie and sends the CSRF header. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface DashboardClient {
  cookie: string | undefined;
  csrf: string | undefined;
  request(
    method: string,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

export function sessionCookieOf(response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.find((c) => c.name === 'rundun_session');
  return cookie?.value ? `rundun_session=${cookie.value}` : undefined;
}

export function createDashboardClient(app: FastifyInstance): DashboardClient {
  const client: DashboardClient = {
    cookie: undefined,
    csrf: undefined,
    async request(method, url, payload, headers = {}) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
        headers: {
          ...(client.cookie ? { cookie: client.cookie } : {}),
          ...(client.csrf && method !== 'GET' ? { 'x-csrf-token': client.csrf } : {}),
          ...headers,
        },
      });
      const cookie = sessionCookieOf(response);
      if (cookie) client.cookie = cookie;
      else if (response.cookies.some((c) => c.name === 'rundun_session')) client.cookie = undefined;
      const body = String(response.headers['content-type'] ?? '').includes('json')
        ? response.json<{ csrf_token?: string }>()
        : undefined;
      if (body?.csrf_token) client.csrf = body.csrf_token;
      return response;
    },
  };
  return client;
}

export const PASSWORD = 'correct horse battery';

export async function signUp(client: DashboardClient, email: string, organizationName = 'Acme Rentals') {
  const response = await client.request('POST', '/v1/auth/sign-up', {
    organization_name: organizationName,
    name: 'Olga Owner',
    email,
    password: PASSWORD,
  });
  if (response.statusCode !== 201) throw new Error(`sign-up: ${response.statusCode} ${response.body}`);
  return response.json<{
    user: { user_id: string };
    org: { org_id: string };
    role: string;
    csrf_token: string;
  }>();
}
