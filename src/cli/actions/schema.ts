/**
 * `uir schema`: the JSON Schemas derived from uir's own schemas (design.md §5): recipes, the training configuration
 * (what a checkpoint records as `train`), and the params of every degradation type. `npm run build` writes them to schemas/, where the bundled recipes' "$schema" points, so editors
 * complete and check recipes and params files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OPERATORS, getOperator } from '../../degradations/index.js';
import { z } from '../../schema.js';
import { recipeJsonSchema } from '../../pipeline/recipe.js';
import { writeFileAtomic } from '../../io/image-io.js';

const paramsSchema = (id: string): Record<string, unknown> => {
  const op = getOperator(id);
  return { ...z.toJSONSchema(op.schema, { unrepresentable: 'any' }), title: `uir ${op.id} params` } as Record<string, unknown>;
};

const trainingSchemaJson = async (): Promise<Record<string, unknown>> => {
  const { trainingSchema } = await import('../../model/config.js');
  return { ...z.toJSONSchema(trainingSchema, { unrepresentable: 'any', io: 'input' }), title: 'uir training configuration' } as Record<string, unknown>;
};

export async function schemaCommand(a: { what?: string; write?: string }): Promise<void> {
  if (a.write) {
    const files: [string, unknown][] = [['recipe.schema.json', recipeJsonSchema()], ['training.schema.json', await trainingSchemaJson()], ...OPERATORS.map((op): [string, unknown] => [path.join('params', `${op.id}.schema.json`), paramsSchema(op.id)])];
    for (const [name, s] of files) {
      await fs.mkdir(path.dirname(path.join(a.write, name)), { recursive: true });
      await writeFileAtomic(path.join(a.write, name), Buffer.from(JSON.stringify(s, null, 2) + '\n'));
    }
    process.stdout.write(`wrote ${files.length} JSON Schemas to ${a.write}\n`);
    return;
  }
  const what = a.what ?? 'recipe';
  const schema = what === 'recipe' ? recipeJsonSchema() : what === 'training' ? await trainingSchemaJson() : paramsSchema(what);
  process.stdout.write(JSON.stringify(schema, null, 2) + '\n');
}
