import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of the UTF-8 bytes of `message`. A string key means its UTF-8 bytes (Rundun's secrets). */
export function hmacSha256(key: string | Uint8Array, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}
