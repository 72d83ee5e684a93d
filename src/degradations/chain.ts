/**
 * Chains: the one way to define a type that applies several operators in turn (the five mixed types, and
 * rain-streak-drop). A chain lists its components: operators (one drawn per pair, with a level spread over a range of
 * theirs) or resize steps. Its params record every step with its own resolved params, so a chained pair replays
 * exactly like a single one, and its schema is built from its components' schemas: every step is checked, at every
 * depth, against the operator it names. Step i samples with rng.fork(i) (the operator drawn by it, its params by
 * fork(i).fork('p')) and applies with fork(i), so the draws of one component never shift another's.
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import type { AnySpec, ImageSize, LevelDoc } from './spec.js';
import { defineSpec } from './spec.js';
import { resize, type ResizeMode } from '../imgproc/resize.js';
import { ConfigError } from '../errors.js';
import { choice, fields, int, z } from '../schema.js';

export interface OperatorComponent {
  /** Candidate operators: one is drawn per pair, uniformly and independently of the level. */
  ops: readonly AnySpec[];
  /** Component level range [lo, hi] spanned by the chain's levels. */
  range: readonly [number, number];
}

export interface ResizeComponent {
  /** The size (and filter) this step resizes to, from the chain's level, the clean size and the step's rng. */
  resize: (level: number, clean: ImageSize, rng: Rng) => ResizeStep['resize'];
  /** What the step does at a level, for `uir list`. */
  summary: (level: number) => string;
}

export type ChainComponent = OperatorComponent | ResizeComponent;

export interface ResizeStep { resize: { width: number; height: number; mode: ResizeMode } }
export interface OperatorStep { type: string; level: number; params: Record<string, unknown> }
export type ChainStep = OperatorStep | ResizeStep;
export interface ChainParams { steps: ChainStep[] }

export interface ChainDef {
  id: string; code: string; summary: string; model: string; levels: number;
  /** 'mixed' for the five mixed types of UIR-2.5M; rain-streak-drop is a chain counted as a single type. */
  kind: 'single' | 'mixed';
  aliases?: readonly string[];
  components: readonly ChainComponent[];
}

/** Level of a component for chain level L (1..n), spread linearly over [lo, hi] of the component's levels. */
export function componentLevel(L: number, n: number, lo: number, hi: number): number {
  return Math.round(lo + ((hi - lo) * (L - 1)) / Math.max(1, n - 1));
}

const resizeSchema = fields({
  resize: fields({
    width: int(1, 1 << 16, 'Width to resize to, pixels.'),
    height: int(1, 1 << 16, 'Height to resize to, pixels.'),
    mode: choice(['area', 'bilinear', 'bicubic', 'nearest'], 'Resampling filter.'),
  }),
});

function stepSchema(op: AnySpec) {
  return fields({
    type: z.literal(op.id),
    level: int(1, op.levels.length, `Level of ${op.id} (recorded with its params, which alone decide the output).`),
    params: op.schema,
  });
}

function componentSchema(c: ChainComponent): z.ZodType {
  if ('resize' in c) return resizeSchema;
  const [first, ...rest] = c.ops.map(stepSchema);
  return rest.length ? z.discriminatedUnion('type', [first!, ...rest]) : first!;
}

export async function runChain(img: Image, steps: readonly ChainStep[], components: readonly ChainComponent[], rng: Rng): Promise<Image> {
  let cur = img;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!, c = components[i];
    if ('resize' in step) { cur = resize(cur, step.resize.width, step.resize.height, step.resize.mode); continue; }
    const op = c && 'ops' in c ? c.ops.find((o) => o.id === step.type) : undefined;
    if (!op) throw new ConfigError([{ path: `steps.${i}.type`, message: `'${step.type}' is not a step this chain takes` }]);
    cur = await op.apply(cur, step.params, rng.fork(i));
  }
  return cur;
}

export function defineChain(def: ChainDef) {
  const levels: LevelDoc[] = [];
  for (let L = 1; L <= def.levels; L++) {
    levels.push({ summary: def.components.map((c) => ('resize' in c ? c.summary(L) : `${c.ops.map((o) => o.id).join('|')} L${componentLevel(L, def.levels, c.range[0], c.range[1])}`)).join(' -> ') });
  }
  const [s0, ...sRest] = def.components.map(componentSchema);
  const schema = fields({
    steps: z.tuple([s0!, ...sRest]).describe(`Ordered steps: ${def.components.map((c) => ('resize' in c ? '{resize: {width, height, mode}}' : `{type: ${c.ops.map((o) => o.id).join('|')}, level, params}`)).join(', ')}; each operator step holds that type's own resolved params (see it).`),
  });
  return defineSpec({
    id: def.id, code: def.code, aliases: def.aliases, summary: def.summary, model: def.model, kind: def.kind, random: true, levels, schema,
    seedFree: def.components.every((c) => 'resize' in c || c.ops.every((o) => o.seedFree)),
    sample(level, rng, size) {
      // a resize takes the photograph's scale with it (a halved image sees streaks half as long)
      const photo = size.photo ?? { width: size.width, height: size.height };
      let cur: ImageSize = { width: size.width, height: size.height, photo };
      const steps = def.components.map((c, i): ChainStep => {
        const r = rng.fork(i);
        if ('resize' in c) {
          const step = { resize: c.resize(level, size, r) }, f = step.resize.width / size.width;
          cur = { width: step.resize.width, height: step.resize.height, photo: { width: photo.width * f, height: photo.height * f } };
          return step;
        }
        const op = c.ops.length === 1 ? c.ops[0]! : r.pick(c.ops);
        const lv = componentLevel(level, def.levels, c.range[0], c.range[1]);
        return { type: op.id, level: lv, params: op.sample(lv, r.fork('p'), cur) as Record<string, unknown> };
      });
      return { steps } as z.infer<typeof schema>;
    },
    apply(img, p, rng) {
      return runChain(img, p.steps as ChainStep[], def.components, rng);
    },
  });
}
