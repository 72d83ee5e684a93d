/**
 * Recipes: declarative JSON files that say what dataset to build (manifests/*.json). Validated once, here, with
 * every problem reported by its dotted path ("types.2.levels: expected ...").
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { ConfigError, type FieldProblem } from '../errors.js';
import { OPERATORS, getOperator } from '../degradations/index.js';
import { validateParams } from '../degradations/validate.js';
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

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TOP_KEYS = ['$comment', 'name', 'description', 'seed', 'sources', 'crop', 'pairsPerCrop', 'output', 'splits', 'types'];

export function validateRecipe(raw: unknown, where = 'recipe'): LoadedRecipe {
  const problems: FieldProblem[] = [];
  const bad = (path: string, message: string): void => { problems.push({ path, message }); };
  if (!isObj(raw)) throw new ConfigError([{ path: where, message: 'expected a JSON object' }]);
  for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) bad(k, `unknown field (known: ${TOP_KEYS.slice(1).join(', ')})`);

  const name = raw.name ?? 'dataset';
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) bad('name', `expected 1-64 letters, digits, '-', '_' or '.', received ${JSON.stringify(name)}`);
  const seed = raw.seed ?? 0;
  if (!(typeof seed === 'string' && seed.length > 0) && !(typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0)) bad('seed', `expected a non-negative integer or a string, received ${JSON.stringify(seed)}`);
  const sources = raw.sources ?? [];
  if (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string')) bad('sources', 'expected an array of glob patterns (strings)');

  const cropRaw = raw.crop ?? { mode: 'none' };
  const crop = { mode: 'none' as Recipe['crop']['mode'], size: 0, overlap: 0, maxTiles: 0 };
  if (!isObj(cropRaw)) bad('crop', 'expected an object like {"mode": "tile", "size": 256, "overlap": 32}');
  else {
    const mode = cropRaw.mode ?? 'none';
    if (mode !== 'none' && mode !== 'center' && mode !== 'tile') bad('crop.mode', `expected one of none, center, tile, received ${JSON.stringify(mode)}`);
    else crop.mode = mode;
    if (crop.mode !== 'none') {
      const size = cropRaw.size;
      if (!Number.isInteger(size) || (size as number) < 16 || (size as number) > 8192) bad('crop.size', `expected integer 16-8192, received ${JSON.stringify(size)}`);
      else crop.size = size as number;
    }
    const overlap = cropRaw.overlap ?? 0;
    if (!Number.isInteger(overlap) || (overlap as number) < 0 || (crop.size && (overlap as number) >= crop.size)) bad('crop.overlap', `expected integer 0-${crop.size ? crop.size - 1 : 'size-1'}, received ${JSON.stringify(overlap)}`);
    else crop.overlap = overlap as number;
    const maxTiles = cropRaw.maxTiles ?? 0;
    if (!Number.isInteger(maxTiles) || (maxTiles as number) < 0) bad('crop.maxTiles', `expected integer >= 0 (0 = no limit), received ${JSON.stringify(maxTiles)}`);
    else crop.maxTiles = maxTiles as number;
    for (const k of Object.keys(cropRaw)) if (!['mode', 'size', 'overlap', 'maxTiles'].includes(k)) bad(`crop.${k}`, 'unknown field (known: mode, size, overlap, maxTiles)');
  }

  const ppc = raw.pairsPerCrop ?? 1;
  if (ppc !== 'each' && (typeof ppc !== 'number' || !(ppc > 0 && ppc <= 1000))) bad('pairsPerCrop', `expected a number in (0, 1000] or "each", received ${JSON.stringify(ppc)}`);

  const outRaw = raw.output ?? {};
  let format: 'png' | 'webp' = 'png';
  if (!isObj(outRaw)) bad('output', 'expected an object like {"format": "png"}');
  else {
    const f = outRaw.format ?? 'png';
    if (f !== 'png' && f !== 'webp') bad('output.format', `expected png or webp (lossless), received ${JSON.stringify(f)}`);
    else format = f;
  }

  const spRaw = raw.splits ?? { train: 1, val: 0, test: 0 };
  const splits = { train: 0, val: 0, test: 0 };
  if (!isObj(spRaw)) bad('splits', 'expected an object like {"train": 0.9, "val": 0.05, "test": 0.05}');
  else {
    for (const k of Object.keys(spRaw)) if (!['train', 'val', 'test'].includes(k)) bad(`splits.${k}`, 'unknown split (known: train, val, test)');
    for (const k of ['train', 'val', 'test'] as const) {
      const v = spRaw[k] ?? 0;
      if (typeof v !== 'number' || v < 0 || v > 1) bad(`splits.${k}`, `expected a fraction 0-1, received ${JSON.stringify(v)}`);
      else splits[k] = v;
    }
    const sum = splits.train + splits.val + splits.test;
    if (Math.abs(sum - 1) > 1e-6) bad('splits', `fractions must add up to 1, they add up to ${sum}`);
  }

  const types: RecipeType[] = [];
  const ops: AnySpec[] = [];
  if (!Array.isArray(raw.types) || raw.types.length === 0) bad('types', 'expected a non-empty array of {"type": ..., "levels": ...}');
  else raw.types.forEach((t: unknown, i: number) => {
    const at = `types.${i}`;
    if (!isObj(t)) { bad(at, 'expected an object like {"type": "haze", "levels": [1, 12]}'); return; }
    for (const k of Object.keys(t)) if (!['type', 'levels', 'weight', 'fixed'].includes(k)) bad(`${at}.${k}`, 'unknown field (known: type, levels, weight, fixed)');
    let op: AnySpec;
    try { op = getOperator(String(t.type)); } catch { bad(`${at}.type`, `unknown degradation type ${JSON.stringify(t.type)}; valid: ${OPERATORS.map((o) => o.id).join(', ')}`); return; }
    const n = op.levels.length;
    const lv = t.levels ?? 'all';
    let levels: number[] = [];
    if (lv === 'all') levels = Array.from({ length: n }, (_, k) => k + 1);
    else if (isObj(lv) && Number.isInteger(lv.from) && Number.isInteger(lv.to)) {
      for (let k = lv.from as number; k <= (lv.to as number); k++) levels.push(k);
    } else if (Array.isArray(lv) && lv.every((x) => Number.isInteger(x))) levels = lv as number[];
    else { bad(`${at}.levels`, `expected "all", a list of levels or {"from": a, "to": b}, received ${JSON.stringify(lv)}`); return; }
    const out = levels.filter((l) => l < 1 || l > n);
    if (levels.length === 0 || out.length) { bad(`${at}.levels`, `expected levels 1-${n} of ${op.id}, received ${JSON.stringify(lv)}`); return; }
    const weight = t.weight ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) { bad(`${at}.weight`, `expected a positive number, received ${JSON.stringify(weight)}`); return; }
    const fixed = t.fixed ?? {};
    if (!isObj(fixed)) { bad(`${at}.fixed`, 'expected an object of params'); return; }
    const known = new Set(op.params.map((p) => p.name));
    for (const k of Object.keys(fixed)) if (!known.has(k)) bad(`${at}.fixed.${k}`, `not a parameter of ${op.id} (known: ${[...known].join(', ')})`);
    types.push({ type: op.id, levels: [...new Set(levels)].sort((a, b) => a - b), weight, fixed });
    ops.push(op);
  });
  if (problems.length) throw new ConfigError(problems.map((p) => ({ ...p, path: `${where}: ${p.path}` })));

  const recipe: Recipe = {
    name: name as string, description: typeof raw.description === 'string' ? raw.description : '', seed: seed as number | string,
    sources: sources as string[], crop, pairsPerCrop: ppc as number | 'each', output: { format }, splits, types,
  };
  const json = JSON.stringify(recipe);
  return { recipe, json, hash: createHash('sha256').update(json).digest('hex').slice(0, 16), ops };
}

/** Check forced params against each operator's schema once a sampled set exists to merge them into. */
export function checkFixed(op: AnySpec, sampled: Record<string, unknown>, fixed: Record<string, unknown>, where: string): Record<string, unknown> {
  return Object.keys(fixed).length ? validateParams(op, { ...sampled, ...fixed }, where) : sampled;
}

export async function loadRecipe(file: string): Promise<LoadedRecipe> {
  let text: string;
  try { text = await fs.readFile(file, 'utf8'); } catch (e) { throw new ConfigError([{ path: file, message: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]); }
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new ConfigError([{ path: file, message: `not valid JSON: ${(e as Error).message}` }]); }
  return validateRecipe(raw, file);
}
