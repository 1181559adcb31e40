/**
 * The `rundun` command as tests start it: `spawn(process.execPath, [...RUNDUN_COMMAND, ...args])`.
 *
 * By default it runs the TypeScript sources through tsx. With `RUNDUN_TEST_CLI=dist` (CI sets it right
 * after `npm run build`) it runs the built `dist/cli/main.js`, what `npm start` runs. Each start then
 * costs about 3 s less CPU: tsx's module hooks see every import, node_modules included (measured on the
 * 2-core CI machine: `rundun --help` 4.7 s user from the sources, 1.7 s from dist).
 */
import fs from 'node:fs';
import path from 'node:path';

const BUILT_CLI = path.resolve('dist/cli/main.js');

function chooseRundunCommand(): string[] {
  if (process.env.RUNDUN_TEST_CLI !== 'dist')
    return ['--conditions=development', '--import', 'tsx', 'src/cli/main.ts'];
  if (!fs.existsSync(BUILT_CLI))
    throw new Error(`RUNDUN_TEST_CLI=dist but ${BUILT_CLI} is missing: run npm run build first`);
  return [BUILT_CLI];
}

export const RUNDUN_COMMAND: readonly string[] = Object.freeze(chooseRundunCommand());
