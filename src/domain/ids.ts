/**
 * Ids. Record ids are `prefix-` + a UUIDv4; step and option ids inside a template are short,
 * `s-`/`o-` + 10 hex digits, drawn by the server for a step sent without one and by the dashboard's
 * editor when a step or option is added or imported. Randomness comes from `globalThis.crypto` (no
 * `node:` import), so the browser draws ids with this same module.
 */

export type IdPrefix = 'r' | 't' | 'u' | 'evt' | 'org' | 'whd' | 'key' | 'med' | 'inv';

/** `prefix-` + a UUIDv4 from the CSPRNG. Run ids are link capabilities, so they must be unguessable. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}-${globalThis.crypto.randomUUID()}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}-${UUID}$`).test(value);
}

/** Random bytes in a step or option id: 40 bits, unique within one template. */
const TEMPLATE_ID_BYTES = 5;

function drawTemplateId(prefix: 's' | 'o', taken: ReadonlySet<string>): string {
  for (;;) {
    // getRandomValues, not randomUUID: the editor may be served over plain http, outside a secure context.
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(TEMPLATE_ID_BYTES));
    const id = `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    if (!taken.has(id)) return id;
  }
}

/** A step id (`s-` + 10 hex digits) not in `taken`. */
export function newStepId(taken: ReadonlySet<string>): string {
  return drawTemplateId('s', taken);
}

/** An option id (`o-` + 10 hex digits) not in `taken`. */
export function newOptionId(taken: ReadonlySet<string>): string {
  return drawTemplateId('o', taken);
}
