/**
 * Recipes: declarative JSON files that say what dataset to build (recipes/*.json). Validated once, here, with
 * every problem reported by its dotted path ("types.2.levels: expected ...").
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { ConfigError, type FieldProblem } from '../errors.js';
import { OPERATORS, getOperator } from '../degradations/index.js';
import { validateParams, fixedProblems } from '../degradations/validate.js';
import { fields, problems, shown, z } from '../schema.js';
import type { AnySpec } from '../degradations/spec.js';

export interface RecipeType {
  /** Operator id, code or alias; resolved to the id. */
  type: string;
  /** Levels drawn uniformly for each pair. */
  levels: number[];
  /** Relative share of pairs (default 1). */
  weight: number;
  /** Params forced over the sampled ones (e.g. {"variant": "gaussian"} for Gaussian-only noise). */
  fixed: Record<string, unknown>;
}

export interface Recipe {
  name: string;
  description: string;
  seed: number | string;
  sources: string[];
  crop: { mode: 'none' | 'center' | 'tile'; size: number; overlap: number; maxTiles: number };
  /**
   * Degraded pairs made from each clean crop: a number (types drawn by weight; fractions allowed: 0.5 = every
   * other crop on average) or "each" (one pair per type entry, so every crop appears under every type).
   */
  pairsPerCrop: number | 'each';
  output: { format: 'png' | 'webp' };
  splits: { train: number; val: number; test: number };
  types: RecipeType[];
}

export interface LoadedRecipe { recipe: Recipe; json: string; hash: string; ops: AnySpec[] }

/**
 * The recipe schema: the one definition from which recipe validation and recipes/recipe.schema.json (emitted at build
 * time, referenced by the bundled recipes' "$schema" so editors complete and check them) are derived. Each entry of
 * `types` ties its `fixed` params to that operator's schema (every given key, at every depth).
 */
const levelsSchema = z.union([
  z.literal('all'),
  z.array(z.int().min(1)).min(1),
  fields({ from: z.int().min(1), to: z.int().min(1) }),
]).describe('"all", a list of levels, or {"from": a, "to": b} (level 1 is the mildest)');

function typeEntry(op?: AnySpec) {
  const names = op ? [op.id, op.code, op.code.toLowerCase(), ...(op.aliases ?? [])] : [];
  return fields({
    type: (op ? z.enum([...new Set(names)] as [string, ...string[]]) : z.string()).describe(op ? `${op.id}: ${op.summary}` : 'Operator id, code or alias (see `uir list`)'),
    levels: levelsSchema.optional(),
    weight: z.number().gt(0).describe('Relative share of pairs (default 1)').optional(),
    fixed: (op ? op.schema.partial() : z.record(z.string(), z.unknown())).describe('Params forced over the sampled ones, e.g. {"variant": "gaussian"}').optional(),
  });
}

export const recipeSchema = fields({
  $schema: z.string().optional(),
  $comment: z.string().optional(),
  name: z.string().regex(/^[\w.-]{1,64}$/).describe("Dataset name: 1-64 letters, digits, '-', '_' or '.'").optional(),
  description: z.string().optional(),
  seed: z.union([z.int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1)]).describe('Run seed: every pair\'s seed derives from it').optional(),
  sources: z.array(z.string()).describe('Glob patterns of clean photos (--src overrides them)').optional(),
  crop: fields({
    mode: z.enum(['none', 'center', 'tile']).optional(),
    size: z.int().min(16).max(8192).optional(),
    overlap: z.int().min(0).optional(),
    maxTiles: z.int().min(0).describe('Keep at most this many evenly spaced tiles (0 = all)').optional(),
  }).describe('{"mode": "tile"|"center"|"none", "size", "overlap", "maxTiles"}').optional(),
  pairsPerCrop: z.union([z.number().gt(0).max(1000), z.literal('each')]).describe('Degraded pairs per clean crop (types drawn by weight), or "each" (one per type entry)').optional(),
  output: fields({ format: z.enum(['png', 'webp']).describe('Lossless output format').optional() }).optional(),
  splits: fields({ train: z.number().min(0).max(1).optional(), val: z.number().min(0).max(1).optional(), test: z.number().min(0).max(1).optional() }).describe('Fractions of sources per split, adding up to 1').optional(),
  types: z.array(z.union(OPERATORS.map((op) => typeEntry(op)) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])).min(1).describe('Degradation types with their levels, weights and forced params'),
});

/** The JSON Schema of recipe files (written at build time to recipes/recipe.schema.json). */
export function recipeJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(recipeSchema, { unrepresentable: 'any', io: 'input' }), title: 'uir recipe' } as Record<string, unknown>;
}

type RawRecipe = { name?: string; description?: string; seed?: number | string; sources?: string[]; crop?: { mode?: Recipe['crop']['mode']; size?: number; overlap?: number; maxTiles?: number }; pairsPerCrop?: number | 'each'; output?: { format?: 'png' | 'webp' }; splits?: { train?: number; val?: number; test?: number }; types: { type: string; levels?: 'all' | number[] | { from: number; to: number }; weight?: number; fixed?: Record<string, unknown> }[] };

export function validateRecipe(input: unknown, where = 'recipe'): LoadedRecipe {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError([{ path: where, message: 'expected a JSON object' }]);
  // structure first (with a plain entry shape for `types`, so an unknown type is reported once, by name)
  const found: FieldProblem[] = problems(recipeSchema.extend({ types: z.array(typeEntry()).min(1) }), input, '', 'unknown field');
  const bad = (path: string, message: string): void => { found.push({ path, message }); };
  const raw = input as RawRecipe;
  const crop = { mode: 'none' as Recipe['crop']['mode'], size: 0, overlap: 0, maxTiles: 0, ...raw.crop };
  if (crop.mode !== 'none' && !raw.crop?.size) bad('crop.size', `expected integer 16-8192, received ${shown(raw.crop?.size)}`);
  if (crop.mode === 'none') crop.size = 0;
  if (crop.size && crop.overlap >= crop.size) bad('crop.overlap', `expected integer 0-${crop.size - 1}, received ${shown(crop.overlap)}`);
  const splits = { train: 0, val: 0, test: 0, ...(raw.splits ?? { train: 1 }) };
  const sum = splits.train + splits.val + splits.test;
  if (Math.abs(sum - 1) > 1e-6 && !found.some((p) => p.path.startsWith('splits'))) bad('splits', `fractions must add up to 1, they add up to ${sum}`);
  const types: RecipeType[] = [];
  const ops: AnySpec[] = [];
  (Array.isArray(raw.types) ? raw.types : []).forEach((t, i) => {
    const at = `types.${i}`;
    if (typeof t !== 'object' || t === null || found.some((p) => p.path === `${at}.type` || p.path === at)) return;
    let op: AnySpec;
    try { op = getOperator(String(t.type)); } catch { bad(`${at}.type`, `unknown degradation type ${JSON.stringify(t.type)}; valid: ${OPERATORS.map((o) => o.id).join(', ')}`); return; }
    const n = op.levels.length, lv = t.levels ?? 'all';
    let levels: number[] = [];
    if (lv === 'all') levels = Array.from({ length: n }, (_, k) => k + 1);
    else if (Array.isArray(lv)) levels = lv;
    else if (typeof lv === 'object') for (let k = lv.from; k <= lv.to; k++) levels.push(k);
    if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 1 || l > n)) { bad(`${at}.levels`, `expected levels 1-${n} of ${op.id}, received ${JSON.stringify(lv)}`); return; }
    const fixed = t.fixed ?? {};
    // every forced param checked now, at every depth, against the operator's schema: not when a pair is drawn
    for (const p of fixedProblems(op, fixed, `${at}.fixed`)) found.push({ path: p.path, message: p.message.replace(/^unknown parameter/, `not a parameter of ${op.id}`) });
    types.push({ type: op.id, levels: [...new Set(levels)].sort((a, b) => a - b), weight: t.weight ?? 1, fixed });
    ops.push(op);
  });
  if (found.length) throw new ConfigError(found.map((p) => ({ ...p, path: p.path ? `${where}: ${p.path}` : where })));
  const recipe: Recipe = {
    name: raw.name ?? 'dataset', description: raw.description ?? '', seed: raw.seed ?? 0,
    sources: raw.sources ?? [], crop: { mode: crop.mode, size: crop.size, overlap: crop.overlap, maxTiles: crop.maxTiles }, pairsPerCrop: raw.pairsPerCrop ?? 1, output: { format: raw.output?.format ?? 'png' }, splits, types,
  };
  const json = JSON.stringify(recipe);
  return { recipe, json, hash: createHash('sha256').update(json).digest('hex').slice(0, 16), ops };
}

/** Check forced params against each operator's schema once a sampled set exists to merge them into. */
export function checkFixed(op: AnySpec, sampled: Record<string, unknown>, fixed: Record<string, unknown>, where: string): Record<string, unknown> {
  return Object.keys(fixed).length ? validateParams(op, { ...sampled, ...fixed }, where) : sampled;
}

export async function loadRecipe(file: string, note?: (line: string) => void): Promise<LoadedRecipe> {
  let text: string;
  try { text = await fs.readFile(file, 'utf8'); } catch (e) {
    // the recipes folder was called manifests/ before (one release of grace for scripts that still say so)
    const renamed = file.replace(/(^|[\\/])manifests([\\/])/, '$1recipes$2');
    if (renamed !== file && (e as NodeJS.ErrnoException).code === 'ENOENT') {
      const again = await fs.readFile(renamed, 'utf8').catch(() => null);
      if (again !== null) { note?.(`note: ${file}: the recipes folder is now recipes/ (manifests/ is a deprecated spelling); reading ${renamed}`); return parseRecipe(again, renamed); }
    }
    throw new ConfigError([{ path: file, message: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
  return parseRecipe(text, file);
}

function parseRecipe(text: string, file: string): LoadedRecipe {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new ConfigError([{ path: file, message: `not valid JSON: ${(e as Error).message}` }]); }
  return validateRecipe(raw, file);
}
