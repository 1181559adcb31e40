/** `rundun openapi [--out FILE]`: writes the OpenAPI document (as served at /openapi.json) without a server. */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { buildOpenApiDocument } from '../http/openapi-document.js';

export function registerOpenApiCommand(program: Command): void {
  program
    .command('openapi')
    .description('Print the OpenAPI 3.1 document of the HTTP API (servers: PUBLIC_URL)')
    .option('--out <file>', 'write it to this file instead of standard output')
    .action(async (options: { out?: string }) => {
      const text = `${JSON.stringify(await buildOpenApiDocument(loadConfig()), null, 2)}\n`;
      if (options.out) {
        await fs.mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
        await fs.writeFile(options.out, text);
      } else process.stdout.write(text);
    });
}
