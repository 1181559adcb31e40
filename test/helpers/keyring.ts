/** The tests' encryption keyring: a fixed key, so a worker in another process decrypts what the app stored. */
import { createKeyring } from '../../src/secrets/keyring.js';

const TEST_KEY = Buffer.alloc(32, 7);

export const TEST_KEYRING = createKeyring([{ id: 'test', key: TEST_KEY }]);

/** The same key as RUNDUN_ENCRYPTION_KEY, for `rundun` processes the tests start. */
export const TEST_ENCRYPTION_KEY = `test:${TEST_KEY.toString('base64')}`;
