/** The address guard's leftovers: IPv4-compatible and NAT64 forms, and DNS that cannot be trusted to answer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkWebhookUrl, createGuardedResolver, isPublicAddress } from '../../src/delivery/address-guard.js';
import { RetryLater } from '../../src/domain/errors.js';

const never = () => {};

describe('the address guard', () => {
  it('refuses IPv4-compatible ::a.b.c.d in both spellings', () => {
    for (const address of ['::8.8.8.8', '::808:808', '::1.2.3.4', '::127.0.0.1'])
      assert.equal(isPublicAddress(address), false, address);
    assert.equal(isPublicAddress('::ffff:8.8.8.8'), true, 'mapped is judged by its IPv4');
    assert.equal(isPublicAddress('::ffff:127.0.0.1'), false);
  });

  it('judges well-known NAT64 by the IPv4 it carries, and refuses local-use NAT64', () => {
    assert.equal(isPublicAddress('64:ff9b::8.8.8.8'), true);
    assert.equal(isPublicAddress('64:ff9b::808:808'), true);
    for (const address of [
      '64:ff9b::10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::7f00:1',
      '64:ff9b:1::808:808',
    ])
      assert.equal(isPublicAddress(address), false, address);
  });

  it('still refuses 6to4, Teredo, loopback and private addresses', () => {
    for (const address of ['2002:808:808::1', '2001::1', '::1', 'fd00::1', '10.1.2.3', '169.254.169.254'])
      assert.equal(isPublicAddress(address), false, address);
    assert.equal(isPublicAddress('2606:4700::1111'), true);
  });

  it('times a hanging nameserver out, and answers a dispatch with 503 rather than 400', async () => {
    const resolver = createGuardedResolver({ lookup: never, timeoutMs: 50 });
    await assert.rejects(resolver.resolve('hooks.example.com'), { code: 'ETIMEOUT' });
    await assert.rejects(checkWebhookUrl('https://hooks.example.com/x', false, resolver), (error) => {
      assert.ok(error instanceof RetryLater);
      assert.equal(error.code, 'unavailable');
      assert.ok(error.retryAfterSeconds >= 1);
      return true;
    });
  });

  it('answers a name that does not exist with the 400 field error', async () => {
    const resolver = createGuardedResolver({
      lookup: (_host, callback) =>
        callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), []),
    });
    const refused = await checkWebhookUrl('https://nowhere.example/x', false, resolver);
    assert.equal(refused?.rule, 'resolvable_host');
  });

  it('lets at most its cap of lookups run at once', async () => {
    let started = 0;
    const resolver = createGuardedResolver({
      lookup: () => void started++,
      timeoutMs: 100,
      maxConcurrent: 2,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => resolver.resolve(`h${i}.example`)),
    );
    assert.equal(started, 2, 'hanging lookups hold their slots; the others wait and time out');
    assert.ok(results.every((result) => result.status === 'rejected'));
  });
});
