/** `uir serve`: browse a dataset and training runs in a local web page. */
import { defineCommand } from '../options.js';

export default defineCommand({
  command: 'serve <data>',
  describe: 'Browse a dataset (and training runs) in a local web page',
  builder: (y) => y
    .positional('data', { type: 'string', demandOption: true, describe: 'Dataset folder (with manifest.sqlite)' })
    .option('port', { alias: 'p', type: 'number', default: 8080, describe: 'Port (0 picks a free one)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind; anything but loopback must be asked for explicitly' })
    .option('runs', { type: 'string', describe: 'Folder of training runs (each with metrics.jsonl) to plot' })
    .example('uir serve data/', 'Then open http://127.0.0.1:8080/')
    .example('uir serve data/ --runs runs/ --port 9000', 'With training curves'),
  async handler(a) {
    const { serveCommand } = await import('../actions/serve.js');
    await serveCommand({ data: a.data, port: a.port, host: a.host, runs: a.runs });
  },
});
