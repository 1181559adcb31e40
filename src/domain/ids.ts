import { randomUUID } from 'node:crypto';

export type IdPrefix = 'r' | 't' | 'u' | 'evt' | 'org' | 'whd' | 'key' | 'med' | 'inv';

/** `prefix-` + a UUIDv4 from the CSPRNG. Run ids are link capabilities, so they must be unguessable. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}-${randomUUID()}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}-${UUID}$`).test(value);
}
