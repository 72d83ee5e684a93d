/**
 * The typed contract every degradation operator fulfils (design.md §1-4).
 *
 * sample(level, rng, size) draws concrete parameters; apply(image, params, rng) is pure given params and the rng's
 * seed, so recorded params + seed replay a pair exactly. By convention sample() draws the same sequence of random
 * numbers whatever the level and the level only scales them: with one seed, the levels of an operator are the same
 * degradation made stronger (same streak positions, same trajectory, same noise field), which is what makes
 * severities ordered image by image and not only on average.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import { docOf, z, type ParamsSchema } from '../schema.js';

/** Short side, in pixels, that spatial parameters in level tables refer to; they are scaled to the image. */
export const REFERENCE_SHORT_SIDE = 512;

/** A top-level parameter as the schema documents it (derived from the schema: never written by hand). */
export interface ParamDoc {
  name: string;
  type: 'number' | 'integer' | 'string' | 'boolean' | 'array' | 'object';
  /** What the parameter means, its unit, range and default (printed by `uir list`). */
  doc: string;
  /** Inclusive range for numbers. */
  range?: [number, number];
  /** Allowed values for strings. */
  values?: readonly string[];
  /** Optional parameters may be absent or null. */
  optional?: boolean;
}

export interface LevelDoc {
  /** One line: what this level means in physical terms, e.g. "sigma 25/255". */
  summary: string;
}

/**
 * The size of the image being degraded, and of the photograph it was cut from: spatial sizes (streak length, drop
 * and flake radius, blur extent) belong to the scene, so a tile or crop takes its photograph's scale (design.md §4).
 * Without `photo` the image is the whole photograph.
 */
export interface ImageSize { width: number; height: number; photo?: { width: number; height: number } }

export interface DegradationSpec<P extends object = Record<string, unknown>> {
  /** Kebab-case id, equal to the file name in src/degradations/. */
  id: string;
  /** UIR-2.5M short code (GN, RN, MB, ...). */
  code: string;
  aliases?: readonly string[];
  /** One line for `uir list`. */
  summary: string;
  /** The model followed and its source. */
  model: string;
  kind: 'single' | 'mixed';
  /** False for operators whose output is fully determined by the level (no seed dependence). */
  random: boolean;
  /** True when apply() draws no randomness: the recorded params alone decide the output (tested). */
  seedFree?: boolean;
  /** Ordered: index 0 is level 1, the mildest. */
  levels: readonly LevelDoc[];
  /** The one definition of the params: type, validation at every depth, `uir list` text and JSON Schema. */
  schema: ParamsSchema;
  /** The top-level params as the schema documents them. */
  params: readonly ParamDoc[];
  sample(level: number, rng: Rng, size: ImageSize): P;
  apply(img: Image, params: P, rng: Rng): Image | Promise<Image>;
}

/** Any operator, for registries and generic code. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = DegradationSpec<any>;

/** Factor that maps reference-short-side pixel sizes to this image: its photograph's short side / 512. */
export function spatialScale(size: ImageSize): number {
  const p = size.photo ?? size;
  return Math.min(p.width, p.height) / REFERENCE_SHORT_SIDE;
}

/** Round for storage in params (keeps JSON short; apply() uses exactly the stored value). */
export function r4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/** The top-level parameter docs of a params schema. */
export function paramDocs(schema: ParamsSchema): ParamDoc[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const j = z.toJSONSchema(field, { unrepresentable: 'any' }) as Record<string, unknown>;
    const alt = Array.isArray(j.anyOf) ? (j.anyOf as Record<string, unknown>[]).find((x) => x.type !== 'null') ?? j : j;
    const type = (typeof alt.type === 'string' ? alt.type : Array.isArray(alt.enum) ? 'string' : 'object') as ParamDoc['type'];
    const range = typeof alt.minimum === 'number' && typeof alt.maximum === 'number' ? [alt.minimum, alt.maximum] as [number, number] : undefined;
    return { name, type, doc: docOf(field), range, values: Array.isArray(alt.enum) ? alt.enum as string[] : undefined, optional: field.safeParse(null).success || field.safeParse(undefined).success };
  });
}

/** An operator from its schema and functions; `params` (the docs) is derived from the schema. */
export function defineSpec<S extends ParamsSchema>(spec: Omit<DegradationSpec<z.infer<S>>, 'params' | 'schema'> & { schema: S }): DegradationSpec<z.infer<S>> {
  return { ...spec, params: paramDocs(spec.schema) };
}
