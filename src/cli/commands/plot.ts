/** `uir plot`: the training curves of a run as a PNG. */
import { defineCommand } from '../options.js';

export default defineCommand({
  command: 'plot <run>',
  describe: 'Plot the training curves of a run folder (metrics.jsonl) as a PNG',
  builder: (y) => y
    .positional('run', { type: 'string', demandOption: true, describe: 'Run folder of uir train or finetune' })
    .option('output', { alias: 'o', type: 'string', describe: 'PNG to write (default RUN/curves.png)' })
    .example('uir plot runs/pre', 'Writes runs/pre/curves.png'),
  async handler(a) {
    const { plotCommand } = await import('../actions/plot.js');
    await plotCommand({ run: a.run, output: a.output });
  },
});
