/** `uir preview`: a labelled contact sheet of types and levels. */
import { defineCommand } from '../options.js';

export default defineCommand({
  command: 'preview <input>',
  describe: 'Render a labelled contact sheet: one row per type, one column per level',
  builder: (y) => y
    .positional('input', { type: 'string', demandOption: true, describe: 'A clean image' })
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Sheet image to write (.png, .jpg, .webp)' })
    .option('types', { type: 'string', array: true, describe: 'Types to show (default: all); comma or space separated' })
    .option('columns', { type: 'number', default: 6, describe: 'Levels per row at most (evenly spaced, first and last always shown)' })
    .option('cell', { type: 'number', default: 192, describe: 'Cell short side in pixels' })
    .option('seed', { type: 'string', default: '0', describe: 'Seed for all cells' })
    .example('uir preview samples/kodim23.png -o sheet.png', 'All types')
    .example('uir preview in.png -o rain.png --types rain,snow --columns 10', 'Two types, up to 10 levels'),
  async handler(a) {
    const { previewCommand } = await import('../actions/preview.js');
    await previewCommand({ input: a.input, output: a.output, types: a.types, columns: a.columns, cell: a.cell, seed: a.seed });
  },
});
