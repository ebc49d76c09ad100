// Rewrites README.md's generated blocks (developer-run; test/readme/ checks them).
import { readFileSync, writeFileSync } from 'node:fs';
import { demoTables } from './demoTables.js';
import { fillBlocks } from './generatedBlocks.js';
import { methodsTable, variantsTable } from './methodsTables.js';
import { modelsTable } from './modelsTable.js';

const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', fillBlocks(readme, { models: modelsTable(), methods: methodsTable(), variants: variantsTable(), ...demoTables() }));
