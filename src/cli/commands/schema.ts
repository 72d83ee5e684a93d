/** `uir schema`: the JSON Schemas of recipes and of each type's params. */
import { defineCommand } from '../options.js';

export default defineCommand({
  command: 'schema [what]',
  describe: 'Print the JSON Schema of recipes, of the training configuration, or of a degradation type\'s params (what editors use to check them)',
  builder: (y) => y
    .positional('what', { type: 'string', describe: '"recipe" (default), "training" or a degradation type' })
    .option('write', { type: 'string', describe: 'Write every schema into this folder instead (npm run build writes schemas/)' })
    .example('uir schema recipe > recipe.schema.json', '')
    .example('uir schema rain', 'The params of rain-streak'),
  async handler(a) {
    const { schemaCommand } = await import('../actions/schema.js');
    await schemaCommand({ what: a.what, write: a.write });
  },
});
