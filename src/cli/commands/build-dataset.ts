/** `uir build-dataset`: a paired dataset from clean photos and a recipe. */
import { defineCommand, progressOption } from '../options.js';

export default defineCommand({
  command: 'build-dataset',
  describe: 'Build a paired dataset from clean photos with a recipe, indexed in SQLite (parallel, resumable, shardable)',
  builder: (y) => progressOption(y
    .option('recipe', { alias: 'r', type: 'string', demandOption: true, describe: 'Recipe JSON (see recipes/)' })
    .option('src', { alias: 's', type: 'string', array: true, default: [] as string[], describe: "Source globs, e.g. 'photos/**/*.{png,jpg}' (default: the recipe's)" })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Dataset folder (manifest.sqlite, gt/, lq/)' })
    .option('jobs', { alias: 'j', type: 'number', describe: 'Worker processes (default: every core)' })
    .option('shard', { type: 'string', describe: 'Build slice i/n; also read from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX' })
    .option('strict', { type: 'boolean', default: false, describe: 'Stop at the first unreadable source instead of recording it as a reject' })
    .option('max-pixels', { type: 'number', describe: 'Reject sources larger than this many pixels (default 100000000)' })
    .option('pool', { type: 'string', choices: ['threads', 'processes'] as const, default: 'processes' as const, describe: 'Workers as child processes (scale best) or as threads of this process' }))
    .example("uir build-dataset --recipe recipes/5d.json --src 'photos/**/*.{png,jpg}' --out data/", 'The 5D all-in-one set')
    .example("uir build-dataset -r recipes/uir-19.json -s 'photos/**/*.png' -o data/ --shard 3/16", 'Slice 3 of 16 (then `uir manifest merge data/`)'),
  async handler(a) {
    const { buildCommand } = await import('../actions/build.js');
    await buildCommand({ recipe: a.recipe, src: a.src, out: a.out, jobs: a.jobs, shard: a.shard, strict: a.strict, maxPixels: a.maxPixels, progress: a.progress, pool: a.pool });
  },
});
