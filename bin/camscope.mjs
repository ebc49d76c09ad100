#!/usr/bin/env node
// Entry point of the `camscope` command: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

// A closed pipe (`camscope layers … | head`) ends the command quietly.
process.stdout.on('error', (e) => (e.code === 'EPIPE' ? process.exit(0) : Promise.reject(e)));
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
