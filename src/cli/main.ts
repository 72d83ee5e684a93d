/**
 * The command line: one module per command in commands/ (its flags, examples and a handler that loads the
 * implementation in actions/ lazily, so `uir list` or `uir degrade --help` never loads heavy modules), sharing the
 * option tables of options.ts. Unknown flags are rejected (.strict()). Errors go up to bin/, with the option fields
 * their messages name printed as this command line's flags.
 */
import yargs from 'yargs';
import { ConfigError, UirError, UsageError, renderFields } from '../errors.js';
import { flagFor } from './options.js';
import degrade from './commands/degrade.js';
import list from './commands/list.js';
import preview from './commands/preview.js';
import buildDataset from './commands/build-dataset.js';
import ingest from './commands/ingest.js';
import manifest from './commands/manifest.js';
import train from './commands/train.js';
import finetune from './commands/finetune.js';
import classify from './commands/classify.js';
import plot from './commands/plot.js';
import restore from './commands/restore.js';
import evaluate from './commands/eval.js';
import schema from './commands/schema.js';
import serve from './commands/serve.js';

/** Flags renamed in 0.2, still read until 0.3: a one-line note when one is used. */
const RENAMED: Record<string, string> = { '--manifest': '--data' };

export async function run(argv: string[]): Promise<void> {
  for (const arg of argv) {
    const name = arg.split('=')[0]!;
    if (RENAMED[name]) process.stderr.write(`uir: note: ${name} is now ${RENAMED[name]} (the old name works until 0.3)\n`);
  }
  const cli = yargs(argv)
    .scriptName('uir')
    .usage('uir <command> [options]\n\nUniversal image restoration toolkit: degradation synthesis, paired datasets, MaskDCPT pre-training.')
    .command(degrade).command(list).command(preview).command(buildDataset).command(ingest).command(manifest)
    .command(train).command(finetune).command(classify).command(plot).command(restore).command(evaluate)
    .command(schema).command(serve)
    .demandCommand(1, 'give a command; `uir --help` lists them')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  try {
    await cli.parseAsync();
  } catch (e) {
    throw asCommandLine(e);
  }
}

/** The error with the option fields its message names printed as flags (`maskRatio` -> `--mask-ratio`). */
function asCommandLine(e: unknown): unknown {
  if (!(e instanceof UirError)) return e;
  e.message = e.renderWith(flagFor);
  if (e instanceof ConfigError) for (const p of e.problems) { p.path = renderFields(p.path, flagFor); p.message = renderFields(p.message, flagFor); }
  return e;
}
