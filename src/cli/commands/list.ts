/** `uir list`: the degradation types, or one in detail. */
import { defineCommand, jsonOption } from '../options.js';

export default defineCommand({
  command: 'list [type]',
  describe: 'List degradation types with their codes, levels and parameters',
  builder: (y) => jsonOption(y.positional('type', { type: 'string', describe: 'Show one type in detail (every level and parameter)' }), 'Machine-readable output')
    .example('uir list', 'All 19 types')
    .example('uir list rain', 'Levels and parameters of rain-streak')
    .example('uir list --json', 'Everything as JSON'),
  async handler(a) {
    const { listCommand } = await import('../actions/list.js');
    listCommand({ type: a.type, json: a.json });
  },
});
