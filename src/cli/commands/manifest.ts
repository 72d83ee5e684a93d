/** `uir manifest stats|query|export|verify|merge`: inspect and maintain a dataset's manifest. */
import { defineCommand, jsonOption, pairFilterOptions, progressOption } from '../options.js';

const actions = () => import('../actions/manifest.js');
const dataArg = { type: 'string', demandOption: true, describe: 'Dataset folder' } as const;

const stats = defineCommand({
  command: 'stats <data>',
  describe: 'Counts by type, level, split and real/synthetic',
  builder: (y) => jsonOption(y.positional('data', dataArg)).example('uir manifest stats data/', ''),
  async handler(a) { await (await actions()).statsCommand({ data: a.data, json: a.json }); },
});

const query = defineCommand({
  command: 'query <data>',
  describe: 'List pairs matching filters',
  builder: (y) => jsonOption(pairFilterOptions(y.positional('data', dataArg))
    .option('source', { type: 'string', describe: 'Source hash prefix or path fragment' })
    .option('limit', { type: 'number', describe: 'At most this many rows (default 50 for the table)' })
    .option('csv', { type: 'boolean', default: false, describe: 'CSV output' }))
    .example('uir manifest query data/ --type rain --level 3 --split train --limit 10', ''),
  async handler(a) { await (await actions()).queryCommand({ data: a.data, type: a.type, level: a.level, split: a.split, real: a.real, source: a.source, limit: a.limit, json: a.json, csv: a.csv }); },
});

const exportPairs = defineCommand({
  command: 'export <data>',
  describe: 'Export pairs: BasicSR meta_info (+ linked folders), JSON lines or CSV',
  builder: (y) => pairFilterOptions(y.positional('data', dataArg))
    .option('format', { alias: 'f', type: 'string', choices: ['basicsr', 'jsonl', 'csv'] as const, demandOption: true, describe: 'Export format' })
    .option('output', { alias: 'o', type: 'string', describe: 'File (jsonl, csv; default stdout) or folder (basicsr)' })
    .example('uir manifest export data/ --format basicsr --split train -o data/basicsr-train', 'For BasicSR PairedImageDataset')
    .example('uir manifest export data/ -f jsonl > pairs.jsonl', ''),
  async handler(a) { await (await actions()).exportCommand({ data: a.data, format: a.format, output: a.output, type: a.type, level: a.level, split: a.split, real: a.real }); },
});

const verify = defineCommand({
  command: 'verify <data>',
  describe: 'Check that every file exists with its recorded hash; report orphans',
  builder: (y) => progressOption(y.positional('data', dataArg)
    .option('fix', { type: 'boolean', default: false, describe: 'Remove orphan and corrupt regular files in gt/ and lq/<type>/ (never links, nothing outside the folder), re-queue missing pairs for the next build' }))
    .example('uir manifest verify data/ --fix', ''),
  async handler(a) { await (await actions()).verifyCommand({ data: a.data, fix: a.fix, progress: a.progress }); },
});

const merge = defineCommand({
  command: 'merge <out> [shards..]',
  describe: 'Merge shard manifests (default: every manifest.shard-*.sqlite in <out>)',
  builder: (y) => y
    .positional('out', { type: 'string', demandOption: true, describe: 'Target dataset folder' })
    .positional('shards', { type: 'string', array: true, describe: 'Shard .sqlite files or folders' })
    .example('uir manifest merge data/', 'After all shards of a job array finished'),
  async handler(a) { await (await actions()).mergeCommand({ out: a.out, shards: a.shards ?? [] }); },
});

export default defineCommand({
  command: 'manifest',
  describe: 'Inspect and maintain a dataset manifest: stats, query, export, verify, merge',
  builder: (y) => y.command(stats).command(query).command(exportPairs).command(verify).command(merge)
    .demandCommand(1, 'give a manifest command: stats, query, export, verify or merge'),
  handler() { /* a subcommand runs */ },
});
