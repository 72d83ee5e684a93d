/** `uir degrade`: one type at one level over files or folders, or a replay of recorded params. */
import { defineCommand, progressOption } from '../options.js';
import { UsageError } from '../../errors.js';

export default defineCommand({
  command: 'degrade <inputs..>',
  describe: 'Degrade images with one type at one level (or replay recorded params)',
  builder: (y) => progressOption(y
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'Input image files and/or folders' })
    .option('type', { alias: 't', type: 'string', describe: 'Degradation type: id, short code or alias (see `uir list`)' })
    .option('level', { alias: 'l', type: 'number', describe: 'Severity level, 1 = mildest (see `uir list TYPE`)' })
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Output file (one input) or folder' })
    .option('seed', { type: 'string', default: '0', describe: 'Seed; the same seed gives byte-identical output' })
    .option('params-out', { type: 'string', describe: 'Write the resolved params and seed as JSON (replayable with --params)' })
    .option('params', { type: 'string', describe: 'Replay: apply params recorded by --params-out instead of sampling' })
    .option('format', { type: 'string', choices: ['png', 'webp', 'jpeg', 'tiff'] as const, describe: 'Output format for folder output (default png)' })
    .option('max-pixels', { type: 'number', describe: 'Refuse inputs larger than this many pixels (default 100000000)' }), 'Progress display (folder mode)')
    .check((a) => {
      if (!a.params && (a.type === undefined || a.level === undefined)) throw new UsageError('degrade needs --type and --level (or --params to replay), e.g. uir degrade --type rain --level 3 in.png -o out.png');
      return true;
    })
    .example('uir degrade --type rain --level 3 in.png -o out.png', 'Rain streaks at level 3')
    .example('uir degrade -t GN -l 9 photos/ -o noisy/ --params-out noisy/params.json', 'A folder, with replayable params')
    .example('uir degrade --params out.json in.png -o again.png', 'Replay recorded params exactly'),
  async handler(a) {
    const { degradeCommand } = await import('../actions/degrade.js');
    await degradeCommand({ inputs: a.inputs, type: a.type, level: a.level, output: a.output, seed: a.seed, paramsOut: a.paramsOut, params: a.params, format: a.format, maxPixels: a.maxPixels, progress: a.progress });
  },
});
