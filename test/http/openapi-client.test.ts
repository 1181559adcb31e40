/**
 * The OpenAPI document as a contract: every operation is complete (operationId, summary, 2xx replies
 * with their schema, errors as application/problem+json), and a client generated from it with
 * openapi-typescript compiles with the main payloads typed — neither `never` nor `any`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { createConfig } from '../../src/config.js';
import { buildOpenApiDocument } from '../../src/http/openapi-document.js';

const PUBLIC_URL = 'https://checklists.example.org';

interface Operation {
  operationId?: string;
  summary?: string;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** A small client written against the generated types, as an integrator would. */
const CLIENT = `
import type { components, paths } from './api.js';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type RunDocument = Json<paths['/v1/runs/{id}']['get']['responses'][200]>;
type DispatchBody = NonNullable<paths['/v1/runs']['post']['requestBody']>['content']['application/json'];
type Dispatched = Json<paths['/v1/runs']['post']['responses'][201]>;
type TemplatePage = Json<paths['/v1/templates']['get']['responses'][200]>;
type DeliveryPage = Json<paths['/v1/deliveries']['get']['responses'][200]>;
type NotFound = paths['/v1/runs/{id}']['get']['responses'][404]['content']['application/problem+json'];

type IsAny<T> = 0 extends 1 & T ? true : false;
type IsNever<T> = [T] extends [never] ? true : false;
type Typed<T> = IsAny<T> extends true ? false : IsNever<T> extends true ? false : true;
const typed: [
  Typed<RunDocument>,
  Typed<DispatchBody>,
  Typed<Dispatched>,
  Typed<TemplatePage>,
  Typed<DeliveryPage>,
  Typed<NotFound>,
] = [true, true, true, true, true, true];

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(\`https://rundun.test\${url}\`, {
    method,
    headers: { authorization: 'Bearer rdk_test_x', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

export async function useTheApi(): Promise<unknown[]> {
  const request: DispatchBody = {
    template_id: 'tpl-1',
    webhook: { url: 'https://example.org/hooks', secret: 'a-secret-of-16-chars', events: ['run.completed'] },
    expires_in_hours: null,
  };
  // @ts-expect-error template_id is required
  const missing: DispatchBody = { executor_ref: 'x' };
  const dispatched = await call<Dispatched>('POST', '/v1/runs', request);
  const link: string = dispatched.link;
  const expires: string | null = dispatched.expires_at;

  const run = await call<RunDocument>('GET', \`/v1/runs/\${dispatched.run_id}\`);
  const status: 'pending' | 'in_progress' | 'completed' | 'cancelled' | 'expired' = run.status;
  const livemode: boolean = run.livemode;
  const answered: number = run.progress.answered;
  const hidden: string[] = run.hidden_steps;
  const label: string | undefined = run.template.steps[0]?.label;
  const thumbnail: string | null | undefined = run.answers['s-photo']?.photos[0]?.thumbnail_url;
  const accuracy: number | null | undefined = run.answers['s-photo']?.geo?.accuracy_m;
  // @ts-expect-error livemode is a boolean, not a string
  const wrong: string = run.livemode;

  const templates = await call<TemplatePage>('GET', '/v1/templates?limit=10');
  const name: string | undefined = templates.data[0]?.name;
  const runs: number | undefined = templates.data[0]?.runs_count;
  const next: string | null = templates.next_cursor;

  const deliveries = await call<DeliveryPage>('GET', '/v1/deliveries?status=failed');
  const deliveryStatus: 'pending' | 'succeeded' | 'failed' | undefined = deliveries.data[0]?.status;
  // @ts-expect-error attempt_count is a number
  const attempts: string | undefined = deliveries.data[0]?.attempt_count;

  const problem: components['schemas']['Problem'] = await call<NotFound>('GET', '/v1/runs/r-none');
  const requestId: string = problem.request_id;

  return [typed, missing, link, expires, status, livemode, answered, hidden, label, thumbnail, accuracy,
    wrong, name, runs, next, deliveryStatus, attempts, requestId];
}
`;

function compile(dir: string, files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [path.resolve('node_modules/@types')],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${path.relative(dir, d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

describe('the OpenAPI document as a contract', () => {
  let document: Record<string, unknown>;
  let dir: string;
  before(async () => {
    document = await buildOpenApiDocument(createConfig({ publicUrl: PUBLIC_URL }));
    await fs.mkdir(path.resolve('.cache'), { recursive: true });
    dir = await fs.mkdtemp(path.resolve('.cache', 'openapi-client-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('names its server by PUBLIC_URL', () => {
    assert.deepEqual(
      (document.servers as { url: string }[]).map((server) => server.url),
      [PUBLIC_URL],
    );
  });

  it('gives every operation an id, a summary, typed 2xx replies and problem+json errors', () => {
    const paths = document.paths as Record<string, Record<string, Operation>>;
    const ids = new Set<string>();
    for (const [url, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${url}`;
        assert.ok(operation.operationId, `${where} has an operationId`);
        assert.ok(
          !ids.has(operation.operationId),
          `${where}: operationId ${operation.operationId} is unique`,
        );
        ids.add(operation.operationId);
        assert.ok(operation.summary, `${where} has a summary`);
        const codes = Object.keys(operation.responses);
        assert.ok(
          codes.some((code) => code.startsWith('2')),
          `${where} declares a 2xx reply`,
        );
        for (const [code, response] of Object.entries(operation.responses)) {
          if (code === '204' || code === '302') continue;
          const types = Object.keys(response.content ?? {});
          assert.ok(types.length > 0, `${where} ${code} has a body schema`);
          if (/^4|^5/.test(code) && url !== '/readyz' && url !== '/metrics')
            assert.deepEqual(types, ['application/problem+json'], `${where} ${code} is a problem`);
        }
      }
    }
    const upload = paths['/x/runs/{run_id}/steps/{step_id}/media']!.post!;
    assert.deepEqual(Object.keys(upload.requestBody!.content), ['image/jpeg', 'image/png']);
  });

  it('generates a client with openapi-typescript whose main payloads are typed', async () => {
    const types = astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]));
    await fs.writeFile(path.join(dir, 'api.ts'), types);
    await fs.writeFile(path.join(dir, 'client.ts'), CLIENT);
    await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    assert.deepEqual(compile(dir, [path.join(dir, 'client.ts')]), []);
  });
});
