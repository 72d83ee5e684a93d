#!/usr/bin/env node
// The only catch in uir: maps errors to exit codes and prints one line (a stack only for bugs).
import { run } from '../dist/src/cli/main.js';
import { exitCodeFor, ConfigError } from '../dist/src/errors.js';
import { throughputGc } from '../dist/src/gc.js';

throughputGc();

// `uir list | head` closes the pipe early: that is not an error
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

try {
  await run(process.argv.slice(2));
} catch (err) {
  const code = exitCodeFor(err);
  if (code === 70) {
    process.stderr.write(`uir: internal error (a bug, please report it):\n${err && err.stack ? err.stack : String(err)}\n`);
  } else if (err instanceof ConfigError && err.problems.length > 1) {
    process.stderr.write(`uir: ${err.problems.length} problems:\n${err.problems.map((p) => `  ${p.path ? p.path + ': ' : ''}${p.message}`).join('\n')}\n`);
  } else {
    process.stderr.write(`uir: ${err.message}\n`);
  }
  process.exitCode = code;
}
