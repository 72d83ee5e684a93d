/** `uir classify`: the degradation type of images, with a MaskDCPT checkpoint. */
import { backendOption, defineCommand, jsonOption, memoryOption, progressOption } from '../options.js';

export default defineCommand({
  command: 'classify <inputs..>',
  describe: 'Predict the degradation type of images with a MaskDCPT checkpoint',
  builder: (y) => progressOption(backendOption(memoryOption(jsonOption(y
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'Images or folders' })
    .option('model', { type: 'string', demandOption: true, describe: 'Checkpoint (.safetensors) from uir train' })
    .option('top', { type: 'number', default: 3, describe: 'How many types to list' }), 'JSON output (with the policy used for each image)'))))
    .epilogue('Policy: the whole image (reflect-padded to the network\'s size multiple) when its pass fits --memory-limit; otherwise the mean class probabilities of a fixed grid of up to 4 x 4 crops at the training resolution (the checkpoint\'s --patch), evenly spaced with the corners included. Crops keep the pixel scale the classifier learnt; a downscale would average noise, streaks and JPEG blocks away. --json reports the policy of each image.')
    .example('uir classify --model runs/pre/ckpt-0002000.safetensors photo.png', ''),
  async handler(a) {
    const { classifyCommand } = await import('../actions/classify.js');
    await classifyCommand({ model: a.model, inputs: a.inputs, backend: a.backend, top: a.top, json: a.json, memoryLimit: a.memoryLimit, progress: a.progress });
  },
});
