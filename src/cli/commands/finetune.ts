/** `uir finetune`: all-in-one restoration fine-tuning from a pre-trained checkpoint. */
import { defineCommand, trainingRunOptions } from '../options.js';
import { EMA_DEFAULT, LR_DEFAULTS } from '../../model/defaults.js';

export default defineCommand({
  command: 'finetune',
  describe: 'All-in-one restoration fine-tuning from a pre-trained checkpoint (no mask, L1, cosine LR, EMA)',
  builder: (y) => trainingRunOptions(y, { lrEncoder: ['Peak learning rate (cosine to 1e-6)', LR_DEFAULTS.finetune.encoder], lrDecoder: ['Peak learning rate of the ending conv', LR_DEFAULTS.finetune.decoder] })
    .option('init', { type: 'string', demandOption: true, describe: 'Pre-trained checkpoint from uir train' })
    .option('ema', { type: 'number', default: EMA_DEFAULT, describe: 'EMA decay of the weights (saved as ema.*; restore uses them)' })
    .example('uir finetune --init runs/pre/ckpt-0002000.safetensors --data data/ -o runs/ft --steps 2000', ''),
  async handler(a) {
    const { trainCommand } = await import('../actions/train.js');
    await trainCommand({ ...a, objective: 'finetune' });
  },
});
