/** `uir train`: MaskDCPT pre-training. */
import { defineCommand, trainingRunOptions } from '../options.js';
import { LR_DEFAULTS, RUN_DEFAULTS } from '../../model/defaults.js';

export default defineCommand({
  command: 'train',
  describe: 'MaskDCPT pre-training from a dataset (masked degradation classification + reconstruction)',
  builder: (y) => trainingRunOptions(y, { lrEncoder: ['AdamW learning rate of the encoder', LR_DEFAULTS.pretrain.encoder], lrDecoder: ['AdamW learning rate of the decoders', LR_DEFAULTS.pretrain.decoder] })
    .option('mask-ratio', { type: 'number', describe: `Share of hidden patches (default ${RUN_DEFAULTS.maskRatio}; on --resume, the run's own)` })
    .option('mask-patch', { type: 'number', describe: `Mask patch size in pixels (default ${RUN_DEFAULTS.maskPatch}; on --resume, the run's own)` })
    .example('uir train --data data/ -o runs/pre --arch nafnet-small --steps 2000 --repeat haze=1,rain-streak=300,noise=15,motion-blur=5,low-light=60', '5D pre-training'),
  async handler(a) {
    const { trainCommand } = await import('../actions/train.js');
    await trainCommand({ ...a, objective: 'pretrain' });
  },
});
