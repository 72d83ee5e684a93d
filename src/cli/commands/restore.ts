/** `uir restore`: restore images of any size with a checkpoint. */
import { backendOption, defineCommand, memoryOption, progressOption, tileOptions } from '../options.js';

export default defineCommand({
  command: 'restore <inputs..>',
  describe: 'Restore images with a checkpoint (any size: whole when it fits in memory, else blended tiles)',
  builder: (y) => progressOption(backendOption(tileOptions(memoryOption(y
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'Images or folders' })
    .option('model', { type: 'string', demandOption: true, describe: 'Checkpoint (.safetensors)' })
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Output file (one input) or folder' })))))
    .example('uir restore --model runs/ft/ckpt-0001000.safetensors rainy.png -o clean.png', 'Whole image when it fits (the paper\'s protocol)')
    .example('uir restore --model runs/ft/ckpt-0001000.safetensors photos/ -o restored/ --tile 512', 'Tiles of 512 px, 32 px overlap'),
  async handler(a) {
    const { restoreCommand } = await import('../actions/restore.js');
    await restoreCommand({ model: a.model, inputs: a.inputs, output: a.output, backend: a.backend, tile: a.tile, overlap: a.overlap, memoryLimit: a.memoryLimit, progress: a.progress });
  },
});
