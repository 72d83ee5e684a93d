/**
 * One schema per thing validated (design.md §5): operator params at every depth, chain steps, recipes. A schema is a
 * zod schema built with the helpers below; from it come the TypeScript type (z.infer), the validation (every field,
 * every depth, unknown keys refused), the text `uir list TYPE` prints (describeFields) and a JSON Schema
 * (z.toJSONSchema) for editors. Messages name the dotted path, what was expected and the value received:
 * "rain-streak.layers.0.density: expected number 0-1, received \"lots\"".
 */
import * as z from 'zod';
import { ConfigError, type FieldProblem } from './errors.js';

export { z };

/** A finite number in [lo, hi]. */
export const num = (lo: number, hi: number, doc: string) => z.number().min(lo).max(hi).describe(doc);
/** An integer in [lo, hi]. */
export const int = (lo: number, hi: number, doc: string) => z.int().min(lo).max(hi).describe(doc);
/** One of a few strings. */
export const choice = <const T extends readonly [string, ...string[]]>(values: T, doc: string) => z.enum(values).describe(doc);
export const flag = (doc: string) => z.boolean().describe(doc);
/** A fixed-length vector of numbers in [lo, hi] (RGB colours, 2-D points). */
export const vec2 = (lo: number, hi: number) => z.tuple([z.number().min(lo).max(hi), z.number().min(lo).max(hi)]);
export const vec3 = (lo: number, hi: number, doc: string) => z.tuple([z.number().min(lo).max(hi), z.number().min(lo).max(hi), z.number().min(lo).max(hi)]).describe(doc);
/** A list of min-max items. */
export const list = <T extends z.ZodType>(item: T, min: number, max: number, doc: string) => z.array(item).min(min).max(max).describe(doc);
/** An object with exactly these fields (unknown keys are errors). */
export const fields = <S extends z.ZodRawShape>(shape: S, doc?: string) => (doc ? z.strictObject(shape).describe(doc) : z.strictObject(shape));

/** The schema of a spec's params: always an object of named fields. */
export type ParamsSchema = z.ZodObject<z.ZodRawShape>;

/** What a JSON Schema node says it accepts, in words ("number 0-1", "integer 1-100", "one of a, b"). */
export function describeJson(j: Record<string, unknown>, style: 'message' | 'list' = 'message'): string {
  const sub = (x: Record<string, unknown>): string => describeJson(x, style);
  if (Array.isArray(j.enum)) return style === 'list' ? `{${(j.enum as unknown[]).join(', ')}}` : `one of ${(j.enum as unknown[]).join(', ')}`;
  if (j.const !== undefined) return JSON.stringify(j.const);
  if (Array.isArray(j.anyOf)) return (j.anyOf as Record<string, unknown>[]).map(sub).join(' or ');
  if (Array.isArray(j.oneOf)) return (j.oneOf as Record<string, unknown>[]).map(sub).join(' or ');
  const range = (t: string): string => {
    const lo = j.minimum ?? j.exclusiveMinimum, hi = j.maximum ?? j.exclusiveMaximum;
    if (style === 'list') return lo !== undefined || hi !== undefined ? `${t} [${lo ?? '-inf'}, ${hi ?? 'inf'}]` : t;
    return lo !== undefined && hi !== undefined ? `${t} ${lo}-${hi}` : lo !== undefined ? `${t} >= ${lo}` : hi !== undefined ? `${t} <= ${hi}` : t;
  };
  switch (j.type) {
    case 'number': return range('number');
    case 'integer': return range('integer');
    case 'boolean': return 'true or false';
    case 'string': return 'a string';
    case 'null': return 'null';
    case 'object': return 'an object';
    case 'array': {
      if (Array.isArray(j.prefixItems)) return `[${(j.prefixItems as Record<string, unknown>[]).map(sub).join(', ')}]`;
      const n = j.minItems === j.maxItems && j.minItems !== undefined ? `${j.minItems}` : `${j.minItems ?? 0}-${j.maxItems ?? 'any'}`;
      return `an array of ${n} items`;
    }
  }
  return 'a valid value';
}

/** The sub-schema at a path (through objects, arrays, tuples, optional/nullable and discriminated unions given the value). */
function schemaAt(s: z.ZodType, path: readonly PropertyKey[], value: unknown): z.ZodType | null {
  let cur: z.ZodType | null = s, v = value;
  for (const key of path) {
    cur = unwrap(cur, v);
    if (!cur) return null;
    const def = (cur as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; items?: z.ZodType[]; rest?: z.ZodType | null } }).def;
    if (def.type === 'object') cur = def.shape?.[String(key)] ?? null;
    else if (def.type === 'array') cur = def.element ?? null;
    else if (def.type === 'tuple') cur = def.items?.[Number(key)] ?? def.rest ?? null;
    else return null;
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return unwrap(cur, v);
}

function unwrap(s: z.ZodType | null, value: unknown): z.ZodType | null {
  let cur = s;
  for (let i = 0; cur && i < 8; i++) {
    const def = (cur as unknown as { def: { type: string; innerType?: z.ZodType; options?: z.ZodType[]; discriminator?: string; getter?: () => z.ZodType } }).def;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') cur = def.innerType ?? null;
    else if (def.type === 'lazy') cur = def.getter?.() ?? null;
    else if (def.type === 'union' && def.discriminator && value && typeof value === 'object') {
      const want = (value as Record<string, unknown>)[def.discriminator];
      cur = def.options?.find((o) => (o as unknown as { def: { shape: Record<string, z.ZodType> } }).def.shape?.[def.discriminator!]?.safeParse(want).success) ?? cur;
      break;
    } else break;
  }
  return cur;
}

const valueAt = (v: unknown, path: readonly PropertyKey[]): unknown => path.reduce<unknown>((a, k) => (a !== null && typeof a === 'object' ? (a as Record<PropertyKey, unknown>)[k] : undefined), v);

/** A value as a message shows it (NaN and Infinity as they are, long values cut). */
export function shown(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The problems of a value against a schema, each with its dotted path under `prefix` (none when it is valid). */
export function problems(schema: z.ZodType, value: unknown, prefix: string, unknownWord = 'unknown parameter'): FieldProblem[] {
  const r = schema.safeParse(value);
  if (r.success) return [];
  const out: FieldProblem[] = [];
  for (const issue of r.error.issues) {
    const at = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const node = schemaAt(schema, issue.path, value) as z.ZodObject | null;
      const known = node && 'shape' in node ? Object.keys(node.shape).join(', ') : '';
      for (const k of issue.keys) out.push({ path: at ? `${at}.${k}` : k, message: `${unknownWord}${known ? ` (known: ${known.replace(/^\$schema, \$comment, /, '')})` : ''}` });
      continue;
    }
    const got = valueAt(value, issue.path);
    const node = schemaAt(schema, issue.path, value);
    if (got === undefined && issue.code !== 'invalid_union') {
      const doc = node ? docOf(node) : '';
      out.push({ path: at, message: `required${doc ? ` (${doc})` : ''}` });
      continue;
    }
    if (issue.code === 'invalid_union' && (issue as { discriminator?: string }).discriminator) {
      out.push({ path: at, message: `${issue.message.replace(/^Invalid discriminator value\. /, '')}, received ${shown(got)}` });
      continue;
    }
    let expected = 'a valid value';
    try { if (node) expected = describeJson(z.toJSONSchema(node, { unrepresentable: 'any' }) as Record<string, unknown>); } catch { /* keep the generic words */ }
    const what = issue.code === 'too_small' || issue.code === 'too_big' ? (Array.isArray(got) ? `${expected} (${got.length} given)` : expected) : expected;
    out.push({ path: at, message: `expected ${what}, received ${shown(got)}` });
  }
  return out;
}

/** Validate (throwing a ConfigError with every problem) and return the value, untouched. */
export function check<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const p = problems(schema, value, prefix);
  if (p.length) throw new ConfigError(p);
  return value as T;
}

/** A field's description, looked for through optional/nullable wrappers. */
export function docOf(field: z.ZodType): string {
  let cur: z.ZodType | undefined = field;
  for (let i = 0; cur && i < 4; i++) {
    if (cur.description) return cur.description;
    cur = (cur as unknown as { def: { innerType?: z.ZodType } }).def.innerType;
  }
  return '';
}

/** One documented field, for `uir list TYPE` (nested fields get dotted names: layers[].density). */
export interface FieldDoc { name: string; type: string; doc: string; optional: boolean }

export function describeFields(schema: z.ZodType, prefix = ''): FieldDoc[] {
  const out: FieldDoc[] = [];
  const obj = unwrap(schema, undefined) as z.ZodObject | null;
  if (!obj || !('shape' in obj)) return out;
  for (const [name, field] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
    const full = prefix + name;
    const optional = field.safeParse(undefined).success || field.safeParse(null).success;
    let json: Record<string, unknown> = {};
    try { json = z.toJSONSchema(field, { unrepresentable: 'any' }) as Record<string, unknown>; } catch { /* undocumentable */ }
    out.push({ name: full, type: describeJson(json, 'list'), doc: docOf(field), optional });
    const inner = unwrap(field, undefined);
    const def = (inner as unknown as { def?: { type: string; element?: z.ZodType } } | null)?.def;
    if (def?.type === 'object') out.push(...describeFields(inner!, `${full}.`));
    else if (def?.type === 'array' && def.element) out.push(...describeFields(def.element, `${full}[].`));
  }
  return out;
}
