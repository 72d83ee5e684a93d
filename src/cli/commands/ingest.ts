/** `uir ingest`: index an existing paired set (LQ/GT folders matched by name). */
import { defineCommand, progressOption } from '../options.js';

export default defineCommand({
  command: 'ingest',
  describe: 'Index an existing paired dataset (LQ/GT folders matched by file name) into a manifest',
  builder: (y) => progressOption(y
    .option('lq', { type: 'string', demandOption: true, describe: 'Folder of degraded images' })
    .option('gt', { type: 'string', demandOption: true, describe: 'Folder of clean images with the same names' })
    .option('type', { alias: 't', type: 'string', demandOption: true, describe: 'Degradation type of the set (see `uir list`)' })
    .option('real', { type: 'boolean', default: false, describe: 'Captured (real) degradations, not synthesized' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Dataset folder whose manifest receives the pairs' })
    .option('split', { type: 'string', default: 'test', describe: 'Split of these pairs: train, val or test' })
    .option('level', { type: 'number', default: 0, describe: 'Level to record (0 = unknown, the usual for real data)' })
    .option('copy', { type: 'boolean', default: false, describe: 'Copy the files into the dataset folder instead of indexing them in place' }))
    .example('uir ingest --lq PolyU/lq --gt PolyU/gt --type real-noise --real --out data/', 'Real camera noise pairs'),
  async handler(a) {
    const { ingestCommand } = await import('../actions/ingest.js');
    await ingestCommand({ lq: a.lq, gt: a.gt, type: a.type, real: a.real, out: a.out, split: a.split, copy: a.copy, level: a.level, progress: a.progress });
  },
});
