/**
 * The `rundun` command as tests start it: `spawn(process.execPath, [...RUNDUN_COMMAND, ...args])`.
 *
 * By default it runs the TypeScript sources through tsx. With `RUNDUN_TEST_CLI=dist` (CI sets it right
 * after `npm run build`) it runs the built `dist/cli/main.js`, what `npm start` runs. Each start then
 * costs about 3 s less CPU: tsx's module hooks see every import, node_modules included (measured on the
 * 2-core CI machine: `rundun --help` 4.7 s user from the sources, 1.7 s from dist).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const BUILT_CLI = path.resolve('dist/cli/main.js');

function chooseRundunCommand(): string[] {
  if (process.env.RUNDUN_TEST_CLI !== 'dist')
    return ['--conditions=development', '--import', 'tsx', 'src/cli/main.ts'];
  if (!fs.existsSync(BUILT_CLI))
    throw new Error(`RUNDUN_TEST_CLI=dist but ${BUILT_CLI} is missing: run npm run build first`);
  return [BUILT_CLI];
}

export const RUNDUN_COMMAND: readonly string[] = Object.freeze(chooseRundunCommand());

/**
 * The first line of `child`'s stdout that matches, however long the process takes to start (a loaded
 * CI machine took over 15 s to start one); rejects if it exits first. Call it before causing the line.
 */
export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    // Not closed after the match: closing pauses the stream, which other readers of stdout share.
    lines.on('line', (line) => {
      if (pattern.test(line)) resolve(line);
    });
    child.once('exit', (code) =>
      reject(new Error(`the process exited (${code}) before printing ${pattern}`)),
    );
  });
}
