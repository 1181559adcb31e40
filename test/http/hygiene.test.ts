import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('HTTP hygiene', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite');
  });
  after(() => t.close());

  it('serves an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/v1/runs',
      '/v1/runs/{id}',
      '/v1/templates',
      '/v1/templates/{id}',
      '/v1/templates/{id}/versions/{version}',
      '/v1/org',
    ]) {
      assert.ok(doc.paths[path], `documents ${path}`);
    }
    const dispatch = doc.paths['/v1/runs'].post;
    const schema = dispatch.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.required, ['template_id']);
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.webhook.properties.secret.minLength, 16);
    assert.ok(dispatch.responses['402'], 'documents the insufficient-credits answer');
  });

  it('serves browsable docs at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /swagger/i);
  });

  it('answers liveness and readiness', async () => {
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().database, 'pglite');
  });

  it('answers unknown routes with a problem', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v2/nothing' });
    assert.equal(response.statusCode, 404);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });
});
