/**
 * The command line: each command declares its flags here and loads its implementation lazily, so `uir list` or
 * `uir degrade --help` never loads heavy modules. Unknown flags are rejected (.strict()); errors go up to bin/.
 */
import yargs, { type Argv } from 'yargs';
import { UsageError } from '../errors.js';

/** The options train and finetune share. */
function trainingRunOptions(y: Argv, lr: { lrEncoder: [string, number]; lrDecoder: [string, number] }) {
  return y
    .option('manifest', { alias: 'm', type: 'string', demandOption: true, describe: 'Dataset folder built by build-dataset or ingest' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Run folder: checkpoints and metrics.jsonl' })
    .option('arch', { type: 'string', default: 'nafnet-small', describe: "nafnet-small, nafnet-tiny, restormer-small, restormer-tiny, or the paper's nafnet-5d and restormer; must match --init" })
    .option('steps', { type: 'number', default: 1000, describe: 'Training steps' })
    .option('batch', { type: 'number', describe: 'Batch size (default 8; on --resume, the run\'s own)' })
    .option('patch', { type: 'number', describe: 'Crop size, a multiple of the mask patch (default 64; on --resume, the run\'s own)' })
    .option('seed', { type: 'number', describe: 'Seed for initialisation, sampling, crops and masks (default 0; on --resume, the run\'s own)' })
    .option('split', { type: 'string', default: 'train', choices: ['train', 'val', 'test'], describe: 'Split to train on' })
    .option('type', { type: 'string', array: true, describe: 'Only these types' })
    .option('repeat', { type: 'string', describe: 'Repeat factors per type, e.g. haze=1,rain-streak=300,noise=15,motion-blur=5,low-light=60' })
    .option('balance', { type: 'boolean', default: false, describe: 'Draw every type equally often' })
    .option('lr-encoder', { type: 'number', default: lr.lrEncoder[1], describe: lr.lrEncoder[0] })
    .option('lr-decoder', { type: 'number', default: lr.lrDecoder[1], describe: lr.lrDecoder[0] })
    .option('ckpt-every', { type: 'number', default: 500, describe: 'Checkpoint every N steps (and at the end)' })
    .option('resume', { type: 'boolean', default: false, describe: 'Continue from the latest checkpoint in --out, with its recorded --batch, --patch, --seed and mask settings (a flag that disagrees is an error)' })
    .option('backend', { type: 'string', default: 'auto', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'TensorFlow.js backend' })
    .option('threads', { type: 'number', describe: 'Data-parallel replicas on the wasm backend, one per core (default: every core, at most the batch size)' })
    .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' })
    .check((a) => { if (a.threads !== undefined && !(Number.isInteger(a.threads) && a.threads >= 1)) throw new UsageError(`--threads: expected a whole number >= 1, received ${a.threads}`); return true; })
    .check((a) => { if (a.repeat && a.balance) throw new UsageError('--repeat and --balance: choose one'); return true; });
}

/** --memory-limit for the commands that run a network on images. */
function memoryOptions<T>(y: Argv<T>) {
  return y.option('memory-limit', { type: 'string', describe: 'Memory one forward pass may take, e.g. 2GiB (default: 3 GiB of the 4 GiB wasm heap; half the RAM on other backends)' });
}

/** --tile and --overlap for the commands that restore images. */
function tileOptions<T>(y: Argv<T>) {
  return y
    .option('tile', { type: 'number', describe: 'Restore in tiles of this size even when the whole image fits (rounded down to the network\'s size multiple)' })
    .option('overlap', { type: 'number', describe: 'Overlap of neighbouring tiles in pixels, cross-faded (default 32)' });
}

export async function run(argv: string[]): Promise<void> {
  const cli: Argv = yargs(argv)
    .scriptName('uir')
    .usage('uir <command> [options]\n\nUniversal image restoration toolkit: degradation synthesis, paired datasets, MaskDCPT pre-training.')
    .command(
      'degrade <inputs..>',
      'Degrade images with one type at one level (or replay recorded params)',
      (y) => y
        .positional('inputs', { type: 'string', array: true, describe: 'Input image files and/or folders' })
        .option('type', { alias: 't', type: 'string', describe: 'Degradation type: id, short code or alias (see `uir list`)' })
        .option('level', { alias: 'l', type: 'number', describe: 'Severity level, 1 = mildest (see `uir list TYPE`)' })
        .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Output file (one input) or folder' })
        .option('seed', { type: 'string', default: '0', describe: 'Seed; the same seed gives byte-identical output' })
        .option('params-out', { type: 'string', describe: 'Write the resolved params and seed as JSON (replayable with --params)' })
        .option('params', { type: 'string', describe: 'Replay: apply params recorded by --params-out instead of sampling' })
        .option('format', { type: 'string', choices: ['png', 'webp', 'jpeg', 'tiff'], describe: 'Output format for folder output (default png)' })
        .option('max-pixels', { type: 'number', describe: 'Refuse inputs larger than this many pixels (default 100000000)' })
        .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display (folder mode)' })
        .check((a) => {
          if (!a.params && (a.type === undefined || a.level === undefined)) throw new UsageError('degrade needs --type and --level (or --params to replay), e.g. uir degrade --type rain --level 3 in.png -o out.png');
          return true;
        })
        .example('uir degrade --type rain --level 3 in.png -o out.png', 'Rain streaks at level 3')
        .example('uir degrade -t GN -l 9 photos/ -o noisy/ --params-out noisy/params.json', 'A folder, with replayable params')
        .example('uir degrade --params out.json in.png -o again.png', 'Replay recorded params exactly'),
      async (a) => {
        const { degradeCommand } = await import('./commands/degrade.js');
        await degradeCommand({
          inputs: a.inputs as string[], type: a.type, level: a.level, output: a.output, seed: a.seed,
          paramsOut: a['params-out'], params: a.params, format: a.format as 'png' | undefined, maxPixels: a['max-pixels'], progress: a.progress as 'auto',
        });
      },
    )
    .command(
      'list [type]',
      'List degradation types with their codes, levels and parameters',
      (y) => y
        .positional('type', { type: 'string', describe: 'Show one type in detail (every level and parameter)' })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' })
        .example('uir list', 'All 19 types')
        .example('uir list rain', 'Levels and parameters of rain-streak')
        .example('uir list --json', 'Everything as JSON'),
      async (a) => {
        const { listCommand } = await import('./commands/list.js');
        listCommand({ type: a.type, json: a.json });
      },
    )
    .command(
      'preview <input>',
      'Render a labelled contact sheet: one row per type, one column per level',
      (y) => y
        .positional('input', { type: 'string', describe: 'A clean image' })
        .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Sheet image to write (.png, .jpg, .webp)' })
        .option('types', { type: 'string', array: true, describe: 'Types to show (default: all); comma or space separated' })
        .option('columns', { type: 'number', default: 6, describe: 'Levels per row at most (evenly spaced, first and last always shown)' })
        .option('cell', { type: 'number', default: 192, describe: 'Cell short side in pixels' })
        .option('seed', { type: 'string', default: '0', describe: 'Seed for all cells' })
        .example('uir preview samples/kodim23.png -o sheet.png', 'All types')
        .example('uir preview in.png -o rain.png --types rain,snow --columns 10', 'Two types, up to 10 levels'),
      async (a) => {
        const { previewCommand } = await import('./commands/preview.js');
        await previewCommand({ input: a.input!, output: a.output, types: a.types, columns: a.columns, cell: a.cell, seed: a.seed });
      },
    )
    .command(
      'build-dataset',
      'Build a paired dataset from clean photos with a recipe, indexed in SQLite (parallel, resumable, shardable)',
      (y) => y
        .option('recipe', { alias: 'r', type: 'string', demandOption: true, describe: 'Recipe JSON (see recipes/)' })
        .option('src', { alias: 's', type: 'string', array: true, default: [], describe: "Source globs, e.g. 'photos/**/*.{png,jpg}' (default: the recipe's)" })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Dataset folder (manifest.sqlite, gt/, lq/)' })
        .option('jobs', { alias: 'j', type: 'number', describe: 'Worker threads (default: every core)' })
        .option('shard', { type: 'string', describe: 'Build slice i/n; also read from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX' })
        .option('strict', { type: 'boolean', default: false, describe: 'Stop at the first unreadable source instead of recording it as a reject' })
        .option('max-pixels', { type: 'number', describe: 'Reject sources larger than this many pixels (default 100000000)' })
        .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' })
        .option('pool', { type: 'string', choices: ['threads', 'processes'], default: 'processes', describe: 'Workers as child processes (scale best) or as threads of this process' })
        .example("uir build-dataset --recipe recipes/5d.json --src 'photos/**/*.{png,jpg}' --out data/", 'The 5D all-in-one set')
        .example("uir build-dataset -r recipes/uir-19.json -s 'photos/**/*.png' -o data/ --shard 3/16", 'Slice 3 of 16 (then `uir manifest merge data/`)'),
      async (a) => {
        const { buildCommand } = await import('./commands/dataset.js');
        await buildCommand({ recipe: a.recipe, src: a.src as string[], out: a.out, jobs: a.jobs, shard: a.shard, strict: a.strict, maxPixels: a['max-pixels'], progress: a.progress, pool: a.pool as 'threads' | 'processes' });
      },
    )
    .command(
      'ingest',
      'Index an existing paired dataset (LQ/GT folders matched by file name) into a manifest',
      (y) => y
        .option('lq', { type: 'string', demandOption: true, describe: 'Folder of degraded images' })
        .option('gt', { type: 'string', demandOption: true, describe: 'Folder of clean images with the same names' })
        .option('type', { alias: 't', type: 'string', demandOption: true, describe: 'Degradation type of the set (see `uir list`)' })
        .option('real', { type: 'boolean', default: false, describe: 'Captured (real) degradations, not synthesized' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Dataset folder whose manifest receives the pairs' })
        .option('split', { type: 'string', default: 'test', describe: 'Split of these pairs: train, val or test' })
        .option('level', { type: 'number', default: 0, describe: 'Level to record (0 = unknown, the usual for real data)' })
        .option('copy', { type: 'boolean', default: false, describe: 'Copy the files into the dataset folder instead of indexing them in place' })
        .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' })
        .example('uir ingest --lq PolyU/lq --gt PolyU/gt --type real-noise --real --out data/', 'Real camera noise pairs'),
      async (a) => {
        const { ingestCommand } = await import('./commands/dataset.js');
        await ingestCommand({ lq: a.lq, gt: a.gt, type: a.type, real: a.real, out: a.out, split: a.split, copy: a.copy, level: a.level, progress: a.progress as 'auto' });
      },
    )
    .command('manifest', 'Inspect and maintain a dataset manifest: stats, query, export, verify, merge', (y) => {
      const filters = (z: Argv) => z
        .option('type', { alias: 't', type: 'string', array: true, describe: 'Types (id, code or alias; repeat or comma-separate)' })
        .option('level', { alias: 'l', type: 'number', array: true, describe: 'Levels' })
        .option('split', { type: 'string', array: true, describe: 'train, val, test' })
        .option('real', { type: 'boolean', describe: '--real for captured pairs only, --no-real for synthetic only' });
      return y
        .command('stats <data>', 'Counts by type, level, split and real/synthetic', (z) => z.positional('data', { type: 'string', describe: 'Dataset folder' }).option('json', { type: 'boolean', default: false, describe: 'JSON output' }).example('uir manifest stats data/', ''),
          async (a) => { await (await import('./commands/dataset.js')).statsCommand({ data: a.data!, json: a.json }); })
        .command('query <data>', 'List pairs matching filters', (z) => filters(z.positional('data', { type: 'string', describe: 'Dataset folder' }))
          .option('source', { type: 'string', describe: 'Source hash prefix or path fragment' })
          .option('limit', { type: 'number', describe: 'At most this many rows (default 50 for the table)' })
          .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
          .option('csv', { type: 'boolean', default: false, describe: 'CSV output' })
          .example('uir manifest query data/ --type rain --level 3 --split train --limit 10', ''),
          async (a) => { await (await import('./commands/dataset.js')).queryCommand({ data: String(a.data), type: a.type as string[] | undefined, level: a.level as number[] | undefined, split: a.split as string[] | undefined, real: a.real, source: a.source, limit: a.limit, json: a.json, csv: a.csv }); })
        .command('export <data>', 'Export pairs: BasicSR meta_info (+ linked folders), JSON lines or CSV', (z) => filters(z.positional('data', { type: 'string', describe: 'Dataset folder' }))
          .option('format', { alias: 'f', type: 'string', choices: ['basicsr', 'jsonl', 'csv'], demandOption: true, describe: 'Export format' })
          .option('output', { alias: 'o', type: 'string', describe: 'File (jsonl, csv; default stdout) or folder (basicsr)' })
          .example('uir manifest export data/ --format basicsr --split train -o data/basicsr-train', 'For BasicSR PairedImageDataset')
          .example('uir manifest export data/ -f jsonl > pairs.jsonl', ''),
          async (a) => { await (await import('./commands/dataset.js')).exportCommand({ data: String(a.data), format: String(a.format), output: a.output as string | undefined, type: a.type as string[] | undefined, level: a.level as number[] | undefined, split: a.split as string[] | undefined, real: a.real }); })
        .command('verify <data>', 'Check that every file exists with its recorded hash; report orphans', (z) => z.positional('data', { type: 'string', describe: 'Dataset folder' })
          .option('fix', { type: 'boolean', default: false, describe: 'Remove orphan and corrupt regular files in gt/ and lq/<type>/ (never links, nothing outside the folder), re-queue missing pairs for the next build' })
          .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' })
          .example('uir manifest verify data/ --fix', ''),
          async (a) => { await (await import('./commands/dataset.js')).verifyCommand({ data: a.data!, fix: a.fix, progress: a.progress as 'auto' }); })
        .command('merge <out> [shards..]', 'Merge shard manifests (default: every manifest.shard-*.sqlite in <out>)', (z) => z.positional('out', { type: 'string', describe: 'Target dataset folder' }).positional('shards', { type: 'string', array: true, describe: 'Shard .sqlite files or folders' })
          .example('uir manifest merge data/', 'After all shards of a job array finished'),
          async (a) => { await (await import('./commands/dataset.js')).mergeCommand({ out: a.out!, shards: (a.shards as string[] | undefined) ?? [] }); })
        .demandCommand(1, 'give a manifest command: stats, query, export, verify or merge');
    })
    .command(
      'train',
      'MaskDCPT pre-training from a dataset manifest (masked degradation classification + reconstruction)',
      (y) => trainingRunOptions(y, { lrEncoder: ['AdamW learning rate of the encoder', 3e-4], lrDecoder: ['AdamW learning rate of the decoders', 1e-4] })
        .option('mask-ratio', { type: 'number', describe: 'Share of hidden patches (default 0.5; on --resume, the run\'s own)' })
        .option('mask-patch', { type: 'number', describe: 'Mask patch size in pixels (default 16; on --resume, the run\'s own)' })
        .example('uir train -m data/ -o runs/pre --arch nafnet-small --steps 2000 --repeat haze=1,rain-streak=300,noise=15,motion-blur=5,low-light=60', '5D pre-training'),
      async (a) => { await (await import('./commands/train.js')).trainCommand(a as unknown as Record<string, unknown>); },
    )
    .command(
      'finetune',
      'All-in-one restoration fine-tuning from a pre-trained checkpoint (no mask, L1, cosine LR, EMA)',
      (y) => trainingRunOptions(y, { lrEncoder: ['Peak learning rate (cosine to 1e-6)', 3e-4], lrDecoder: ['Peak learning rate of the ending conv', 3e-4] })
        .option('init', { type: 'string', demandOption: true, describe: 'Pre-trained checkpoint from uir train' })
        .option('ema', { type: 'number', default: 0.999, describe: 'EMA decay of the weights (saved as ema.*; restore uses them)' })
        .example('uir finetune --init runs/pre/ckpt-0002000.safetensors -m data/ -o runs/ft --steps 2000', ''),
      async (a) => { await (await import('./commands/train.js')).trainCommand(a as unknown as Record<string, unknown>); },
    )
    .command(
      'classify <inputs..>',
      'Predict the degradation type of images with a MaskDCPT checkpoint',
      (y) => memoryOptions(y
        .positional('inputs', { type: 'string', array: true, describe: 'Images or folders' })
        .option('model', { type: 'string', demandOption: true, describe: 'Checkpoint (.safetensors) from uir train' })
        .option('top', { type: 'number', default: 3, describe: 'How many types to list' })
        .option('json', { type: 'boolean', default: false, describe: 'JSON output (with the policy used for each image)' })
        .option('backend', { type: 'string', default: 'auto', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'TensorFlow.js backend' })
        .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' }))
        .epilogue('Policy: the whole image (reflect-padded to the network\'s size multiple) when its pass fits --memory-limit; otherwise the mean class probabilities of a fixed grid of up to 4 x 4 crops at the training resolution (the checkpoint\'s --patch), evenly spaced with the corners included. Crops keep the pixel scale the classifier learnt; a downscale would average noise, streaks and JPEG blocks away. --json reports the policy of each image.')
        .example('uir classify --model runs/pre/ckpt-0002000.safetensors photo.png', ''),
      async (a) => { await (await import('./commands/classify.js')).classifyCommand({ model: a.model, inputs: a.inputs as string[], backend: a.backend as 'auto', top: a.top, json: a.json, memoryLimit: a['memory-limit'], progress: a.progress as 'auto' }); },
    )
    .command(
      'plot <run>',
      'Plot the training curves of a run folder (metrics.jsonl) as a PNG',
      (y) => y
        .positional('run', { type: 'string', describe: 'Run folder of uir train or finetune' })
        .option('output', { alias: 'o', type: 'string', describe: 'PNG to write (default RUN/curves.png)' })
        .example('uir plot runs/pre', 'Writes runs/pre/curves.png'),
      async (a) => { await (await import('./commands/plot.js')).plotCommand({ run: a.run!, output: a.output }); },
    )
    .command(
      'restore <inputs..>',
      'Restore images with a checkpoint (any size: whole when it fits in memory, else blended tiles)',
      (y) => tileOptions(memoryOptions(y
        .positional('inputs', { type: 'string', array: true, describe: 'Images or folders' })
        .option('model', { type: 'string', demandOption: true, describe: 'Checkpoint (.safetensors)' })
        .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Output file (one input) or folder' })
        .option('backend', { type: 'string', default: 'auto', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'TensorFlow.js backend' })
        .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' })))
        .example('uir restore --model runs/ft/ckpt-0001000.safetensors rainy.png -o clean.png', 'Whole image when it fits (the paper\'s protocol)')
        .example('uir restore --model runs/ft/ckpt-0001000.safetensors photos/ -o restored/ --tile 512', 'Tiles of 512 px, 32 px overlap'),
      async (a) => { await (await import('./commands/restore.js')).restoreCommand({ model: a.model, inputs: a.inputs as string[], output: a.output, backend: a.backend as 'auto', tile: a.tile, overlap: a.overlap, memoryLimit: a['memory-limit'], progress: a.progress as 'auto' }); },
    )
    .command(
      'eval',
      'PSNR and SSIM (RGB, [0,1], no crop, 11x11 Gaussian SSIM) of LQ vs GT pairs, per type and averaged; PIQE with --lq alone',
      (y) => tileOptions(memoryOptions(y))
        .option('lq', { type: 'string', describe: 'Folder of degraded (or restored) images' })
        .option('gt', { type: 'string', describe: 'Folder of clean images with the same names (without it: PIQE, no reference)' })
        .option('manifest', { type: 'string', describe: 'Dataset folder: score its pairs per type' })
        .option('split', { type: 'string', choices: ['train', 'val', 'test'], describe: 'With --manifest: one split' })
        .option('model', { type: 'string', describe: 'Checkpoint to restore with first: whole images (the paper\'s protocol) when they fit in memory, else tiles' })
        .option('backend', { type: 'string', default: 'auto', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'TensorFlow.js backend (with --model)' })
        .option('progress', { type: 'string', choices: ['auto', 'bar', 'plain', 'none'], default: 'auto', describe: 'Progress display' })
        .option('limit', { type: 'number', describe: 'Score at most this many pairs' })
        .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
        .example('uir eval --lq ../shared/data/Rain100L/lq --gt ../shared/data/Rain100L/gt', 'Input PSNR/SSIM of Rain100L')
        .example('uir eval --manifest data/ --split val', 'Per-type input quality of a built dataset')
        .example('uir eval --model runs/ft/ckpt-0002000.safetensors --lq real-photos/', 'PIQE of restored real-world photos'),
      async (a) => {
        const { evalCommand } = await import('./commands/eval.js');
        await evalCommand({ lq: a.lq, gt: a.gt, manifest: a.manifest, split: a.split, model: a.model, json: a.json, limit: a.limit, backend: a.backend as 'auto', tile: a.tile, overlap: a.overlap, memoryLimit: a['memory-limit'], progress: a.progress as 'auto' });
      },
    )
    .command(
      'schema [what]',
      'Print the JSON Schema of recipes, or of a degradation type\'s params (what editors use to check them)',
      (y) => y
        .positional('what', { type: 'string', describe: '"recipe" (default) or a degradation type' })
        .option('write', { type: 'string', describe: 'Write every schema into this folder instead (npm run build writes schemas/)' })
        .example('uir schema recipe > recipe.schema.json', '')
        .example('uir schema rain', 'The params of rain-streak'),
      async (a) => { await (await import('./commands/schema.js')).schemaCommand({ what: a.what, write: a.write }); },
    )
    .command(
      'serve <data>',
      'Browse a dataset (and training runs) in a local web page',
      (y) => y
        .positional('data', { type: 'string', describe: 'Dataset folder (with manifest.sqlite)' })
        .option('port', { alias: 'p', type: 'number', default: 8080, describe: 'Port (0 picks a free one)' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind; anything but loopback must be asked for explicitly' })
        .option('runs', { type: 'string', describe: 'Folder of training runs (each with metrics.jsonl) to plot' })
        .example('uir serve data/', 'Then open http://127.0.0.1:8080/')
        .example('uir serve data/ --runs runs/ --port 9000', 'With training curves'),
      async (a) => {
        const { serveCommand } = await import('./commands/serve.js');
        await serveCommand({ data: a.data!, port: a.port, host: a.host, runs: a.runs });
      },
    )
    .demandCommand(1, 'give a command; `uir --help` lists them')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  await cli.parseAsync();
}
