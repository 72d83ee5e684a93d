/**
 * Chains of single operators for the five mixed types. A chain's params record every step with its own resolved
 * params, so a mixed pair replays exactly like a single one; step i uses rng.fork(i).
 */
import type { Image } from '../image.js';
import type { Rng } from '../rng.js';
import type { AnySpec, ImageSize, LevelDoc, ParamDoc } from './spec.js';
import { defineSpec } from './spec.js';
import { resize, type ResizeMode } from '../imgproc/resize.js';
import { ConfigError } from '../errors.js';
import noise from './noise.js';
import realNoise from './real-noise.js';
import motionBlur from './motion-blur.js';
import defocusBlur from './defocus-blur.js';
import gaussianBlur from './gaussian-blur.js';
import jpeg from './jpeg.js';
import haze from './haze.js';
import rainStreak from './rain-streak.js';
import raindrop from './raindrop.js';
import snow from './snow.js';
import mosaic from './mosaic.js';
import lowLight from './low-light.js';
import moire from './moire.js';

const STEP_OPS: Record<string, AnySpec> = Object.fromEntries(
  [noise, realNoise, motionBlur, defocusBlur, gaussianBlur, jpeg, haze, rainStreak, raindrop, snow, mosaic, lowLight, moire].map((s) => [s.id, s]),
);

export type ChainStep =
  | { type: string; level: number; params: Record<string, unknown> }
  | { resize: { width: number; height: number; mode: ResizeMode } };

export interface ChainParams { steps: ChainStep[] }

export async function runChain(img: Image, steps: readonly ChainStep[], rng: Rng): Promise<Image> {
  let cur = img;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if ('resize' in step) {
      cur = resize(cur, step.resize.width, step.resize.height, step.resize.mode);
      continue;
    }
    const op = STEP_OPS[step.type];
    if (!op) throw new ConfigError([{ path: `steps.${i}.type`, message: `unknown step type '${step.type}'` }]);
    cur = await op.apply(cur, step.params, rng.fork(i));
  }
  return cur;
}

/** Sample one step: its own rng fork, so the draws of one component never shift another's. */
export function sampleStep(type: string, level: number, rng: Rng, size: ImageSize): ChainStep {
  const op = STEP_OPS[type]!;
  return { type, level, params: op.sample(level, rng, size) as Record<string, unknown> };
}

/** Level of a component for mixed level L (1..n), spread linearly over [lo, hi] of the component's levels. */
export function componentLevel(L: number, n: number, lo: number, hi: number): number {
  return Math.round(lo + ((hi - lo) * (L - 1)) / Math.max(1, n - 1));
}

export interface Component {
  /** Candidate operators (one is drawn, uniformly, independently of the level). */
  types: readonly string[];
  /** Component level range [lo, hi] spanned by the mixed type's levels. */
  range: readonly [number, number];
}

export interface MixedDef {
  id: string; code: string; summary: string; model: string; levels: number;
  components: readonly Component[];
}

const CHAIN_PARAMS: readonly ParamDoc[] = [
  { name: 'steps', type: 'array', doc: 'Ordered steps, each {type, level, params} with the component\'s own resolved params (see that type).' },
];

export function defineMixed(def: MixedDef) {
  const levels: LevelDoc[] = [];
  for (let L = 1; L <= def.levels; L++) {
    levels.push({ summary: def.components.map((c) => `${c.types.join('|')} L${componentLevel(L, def.levels, c.range[0], c.range[1])}`).join(' -> ') });
  }
  return defineSpec<ChainParams>({
    id: def.id, code: def.code, summary: def.summary, model: def.model, kind: 'mixed', random: true, levels, params: CHAIN_PARAMS,
    sample(level, rng, size) {
      const steps = def.components.map((c, i) => {
        const r = rng.fork(i);
        const type = c.types.length === 1 ? c.types[0]! : r.pick(c.types);
        return sampleStep(type, componentLevel(level, def.levels, c.range[0], c.range[1]), r.fork('p'), size);
      });
      return { steps };
    },
    apply(img, p, rng) {
      return runChain(img, p.steps, rng);
    },
  });
}
