/**
 * Where the encryption keys come from (never from the database they protect):
 *  - RUNDUN_ENCRYPTION_KEY: `[<key id>:]<base64 of 32 bytes>`, several comma-separated for rotation;
 *    the first encrypts, all decrypt. Without an id, the id is `k` + 8 hex of the key's SHA-256.
 *  - otherwise the key file `<data dir>/encryption.key` (same format, one key per line), made on first
 *    start with mode 0600 and refused when group or others may read it. That suits the embedded
 *    database; with PostgreSQL every process needs the same keys, so set RUNDUN_ENCRYPTION_KEY.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import { createKeyring, KEY_BYTES, type Keyring } from './keyring.js';

export const KEY_FILE_NAME = 'encryption.key';

function defaultKeyId(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** Parses `[id:]base64,[id:]base64…`; `variable` names the source in errors. */
export function parseKeys(variable: string, text: string): { id: string; key: Buffer }[] {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ConfigError(variable, 'holds no key');
  return entries.map((entry) => {
    const at = entry.lastIndexOf(':');
    const encoded = at >= 0 ? entry.slice(at + 1) : entry;
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+=*$/.test(encoded))
      throw new ConfigError(
        variable,
        `each key must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`,
      );
    return { id: at >= 0 ? entry.slice(0, at) : defaultKeyId(key), key };
  });
}

/** Reads the key file, creating it (0600) when there is none. */
function readOrCreateKeyFile(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    const key = randomBytes(KEY_BYTES);
    fs.writeFileSync(file, `${defaultKeyId(key)}:${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077)
    throw new ConfigError(
      'RUNDUN_DATA_DIR',
      `${file} may be read by others (mode ${mode.toString(8)}); run chmod 600 on it`,
    );
  return fs.readFileSync(file, 'utf8');
}

export interface LoadedKeyring {
  keyring: Keyring;
  /** `env` or the key file's path. */
  source: string;
}

export function loadKeyring(config: Pick<Config, 'encryptionKeys' | 'dataDir'>): LoadedKeyring {
  if (config.encryptionKeys)
    return {
      keyring: createKeyring(parseKeys('RUNDUN_ENCRYPTION_KEY', config.encryptionKeys)),
      source: 'env',
    };
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  return { keyring: createKeyring(parseKeys(file, readOrCreateKeyFile(file))), source: file };
}
