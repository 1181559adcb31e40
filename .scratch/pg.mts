import { writeMigratedPGliteDataDir } from '../test/helpers/database.js';
console.time('w');
await writeMigratedPGliteDataDir('/tmp/i14-pgdir/pg');
console.timeEnd('w');
