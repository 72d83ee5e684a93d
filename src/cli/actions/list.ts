/** `uir list`: the registry, printed from the specs themselves (the same text as the code's doc comments). */
import { OPERATORS, getOperator, totalLevels } from '../../degradations/index.js';
import type { AnySpec } from '../../degradations/spec.js';
import { describeFields, z } from '../../schema.js';

function describe(op: AnySpec) {
  return {
    id: op.id, code: op.code, aliases: op.aliases ?? [], kind: op.kind, summary: op.summary, model: op.model,
    random: op.random, levels: op.levels.map((l, i) => ({ level: i + 1, summary: l.summary })),
    params: op.params.map((p) => ({ ...p })),
    schema: z.toJSONSchema(op.schema, { unrepresentable: 'any' }),
  };
}

export function listCommand(o: { type?: string; json: boolean }): void {
  const out = process.stdout;
  if (o.type) {
    const op = getOperator(o.type);
    if (o.json) { out.write(JSON.stringify(describe(op), null, 2) + '\n'); return; }
    out.write(`${op.id} (${op.code}${op.aliases?.length ? `, alias ${op.aliases.join(', ')}` : ''}) — ${op.kind}\n${op.summary}\nModel: ${op.model}\n\nLevels (1 = mildest):\n`);
    op.levels.forEach((l, i) => out.write(`  ${String(i + 1).padStart(2)}  ${l.summary}\n`));
    out.write('\nParameters (recorded per pair, replayable; every one checked when replayed):\n');
    for (const f of describeFields(op.schema)) {
      out.write(`  ${f.name} (${f.type}${f.optional ? ', or null' : ''})\n${f.doc ? `      ${f.doc}\n` : ''}`);
    }
    return;
  }
  if (o.json) { out.write(JSON.stringify({ types: OPERATORS.map(describe), totalLevels: totalLevels() }, null, 2) + '\n'); return; }
  const idW = Math.max(...OPERATORS.map((x) => x.id.length)), codeW = 5;
  out.write(`${'TYPE'.padEnd(idW)}  ${'CODE'.padEnd(codeW)}  LEVELS  SUMMARY\n`);
  for (const op of OPERATORS) {
    out.write(`${op.id.padEnd(idW)}  ${op.code.padEnd(codeW)}  ${String(op.levels.length).padStart(6)}  ${op.summary}\n`);
    out.write(`${''.padEnd(idW)}  ${''.padEnd(codeW)}          L1: ${op.levels[0]!.summary}; L${op.levels.length}: ${op.levels[op.levels.length - 1]!.summary}\n`);
  }
  out.write(`\n${OPERATORS.length} types, ${totalLevels()} levels. \`uir list TYPE\` shows every level and parameter.\n`);
}
