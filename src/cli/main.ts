/**
 * The command line: each command declares its flags here and loads its implementation lazily, so `uir list` or
 * `uir degrade --help` never loads heavy modules. Unknown flags are rejected (.strict()); errors go up to bin/.
 */
import yargs, { type Argv } from 'yargs';
import { UsageError } from '../errors.js';

export async function run(argv: string[]): Promise<void> {
  const cli: Argv = yargs(argv)
    .scriptName('uir')
    .usage('uir <command> [options]\n\nUniversal image restoration toolkit: degradation synthesis, paired datasets, MaskDCPT pre-training.')
    .command(
      'degrade <inputs..>',
      'Degrade images with one type at one level (or replay recorded params)',
      (y) => y
        .positional('inputs', { type: 'string', array: true, describe: 'Input image files and/or folders' })
        .option('type', { alias: 't', type: 'string', describe: 'Degradation type: id, short code or alias (see `uir list`)' })
        .option('level', { alias: 'l', type: 'number', describe: 'Severity level, 1 = mildest (see `uir list TYPE`)' })
        .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Output file (one input) or folder' })
        .option('seed', { type: 'string', default: '0', describe: 'Seed; the same seed gives byte-identical output' })
        .option('params-out', { type: 'string', describe: 'Write the resolved params and seed as JSON (replayable with --params)' })
        .option('params', { type: 'string', describe: 'Replay: apply params recorded by --params-out instead of sampling' })
        .option('format', { type: 'string', choices: ['png', 'webp', 'jpeg', 'tiff'], describe: 'Output format for folder output (default png)' })
        .option('max-pixels', { type: 'number', describe: 'Refuse inputs larger than this many pixels (default 100000000)' })
        .check((a) => {
          if (!a.params && (a.type === undefined || a.level === undefined)) throw new UsageError('degrade needs --type and --level (or --params to replay), e.g. uir degrade --type rain --level 3 in.png -o out.png');
          return true;
        })
        .example('uir degrade --type rain --level 3 in.png -o out.png', 'Rain streaks at level 3')
        .example('uir degrade -t GN -l 9 photos/ -o noisy/ --params-out noisy/params.json', 'A folder, with replayable params')
        .example('uir degrade --params out.json in.png -o again.png', 'Replay recorded params exactly'),
      async (a) => {
        const { degradeCommand } = await import('./commands/degrade.js');
        await degradeCommand({
          inputs: a.inputs as string[], type: a.type, level: a.level, output: a.output, seed: a.seed,
          paramsOut: a['params-out'], params: a.params, format: a.format as 'png' | undefined, maxPixels: a['max-pixels'],
        });
      },
    )
    .command(
      'list [type]',
      'List degradation types with their codes, levels and parameters',
      (y) => y
        .positional('type', { type: 'string', describe: 'Show one type in detail (every level and parameter)' })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' })
        .example('uir list', 'All 19 types')
        .example('uir list rain', 'Levels and parameters of rain-streak')
        .example('uir list --json', 'Everything as JSON'),
      async (a) => {
        const { listCommand } = await import('./commands/list.js');
        listCommand({ type: a.type, json: a.json });
      },
    )
    .command(
      'preview <input>',
      'Render a labelled contact sheet: one row per type, one column per level',
      (y) => y
        .positional('input', { type: 'string', describe: 'A clean image' })
        .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Sheet image to write (.png, .jpg, .webp)' })
        .option('types', { type: 'string', array: true, describe: 'Types to show (default: all); comma or space separated' })
        .option('columns', { type: 'number', default: 6, describe: 'Levels per row at most (evenly spaced, first and last always shown)' })
        .option('cell', { type: 'number', default: 192, describe: 'Cell short side in pixels' })
        .option('seed', { type: 'string', default: '0', describe: 'Seed for all cells' })
        .example('uir preview samples/kodim23.png -o sheet.png', 'All types')
        .example('uir preview in.png -o rain.png --types rain,snow --columns 10', 'Two types, up to 10 levels'),
      async (a) => {
        const { previewCommand } = await import('./commands/preview.js');
        await previewCommand({ input: a.input!, output: a.output, types: a.types, columns: a.columns, cell: a.cell, seed: a.seed });
      },
    )
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
  await cli.parseAsync();
}
