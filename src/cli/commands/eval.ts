/** `uir eval`: PSNR/SSIM of pairs (or PIQE without references), optionally after restoring with a checkpoint. */
import { backendOption, dataOption, defineCommand, jsonOption, memoryOption, progressOption, tileOptions } from '../options.js';

export default defineCommand({
  command: 'eval',
  describe: 'PSNR and SSIM (RGB, [0,1], no crop, 11x11 Gaussian SSIM) of LQ vs GT pairs, per type and averaged; PIQE with --lq alone',
  builder: (y) => jsonOption(progressOption(backendOption(tileOptions(memoryOption(dataOption(y)
    .option('lq', { type: 'string', describe: 'Folder of degraded (or restored) images' })
    .option('gt', { type: 'string', describe: 'Folder of clean images with the same names (without it: PIQE, no reference)' })
    .option('split', { type: 'string', choices: ['train', 'val', 'test'], describe: 'With --data: one split' })
    .option('model', { type: 'string', describe: 'Checkpoint to restore with first: whole images (the paper\'s protocol) when they fit in memory, else tiles' })
    .option('limit', { type: 'number', describe: 'Score at most this many pairs' }))), 'TensorFlow.js backend (with --model)')))
    .example('uir eval --lq ../shared/data/Rain100L/lq --gt ../shared/data/Rain100L/gt', 'Input PSNR/SSIM of Rain100L')
    .example('uir eval --data data/ --split val', 'Per-type input quality of a built dataset')
    .example('uir eval --model runs/ft/ckpt-0002000.safetensors --lq real-photos/', 'PIQE of restored real-world photos'),
  async handler(a) {
    const { evalCommand } = await import('../actions/eval.js');
    await evalCommand({ lq: a.lq, gt: a.gt, data: a.data, split: a.split, model: a.model, json: a.json, limit: a.limit, backend: a.backend, tile: a.tile, overlap: a.overlap, memoryLimit: a.memoryLimit, progress: a.progress });
  },
});
