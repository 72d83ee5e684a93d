/**
 * The operator registry: every operator imported by name, in UIR-2.5M order (14 single types, then 5 mixed).
 * Like BasicSR's ARCH_REGISTRY a duplicate id, code or alias throws; unlike it, an unknown name lists the valid ones.
 */
import type { AnySpec } from './spec.js';
import { UsageError } from '../errors.js';
import noise from './noise.js';
import realNoise from './real-noise.js';
import motionBlur from './motion-blur.js';
import defocusBlur from './defocus-blur.js';
import gaussianBlur from './gaussian-blur.js';
import jpeg from './jpeg.js';
import haze from './haze.js';
import rainStreak from './rain-streak.js';
import raindrop from './raindrop.js';
import rainStreakDrop from './rain-streak-drop.js';
import snow from './snow.js';
import mosaic from './mosaic.js';
import lowLight from './low-light.js';
import moire from './moire.js';
import blurJpeg from './blur-jpeg.js';
import blurRain from './blur-rain.js';
import blurLowlightNoise from './blur-lowlight-noise.js';
import lowlightHazeRainSnow from './lowlight-haze-rain-snow.js';
import downsampleNoiseBlurJpeg from './downsample-noise-blur-jpeg.js';

export const OPERATORS: readonly AnySpec[] = [
  noise, realNoise, motionBlur, defocusBlur, gaussianBlur, jpeg, haze, rainStreak, raindrop, rainStreakDrop, snow,
  mosaic, lowLight, moire, blurJpeg, blurRain, blurLowlightNoise, lowlightHazeRainSnow, downsampleNoiseBlurJpeg,
];

const BY_NAME = new Map<string, AnySpec>();
for (const op of OPERATORS) {
  for (const name of [op.id, op.code.toLowerCase(), ...(op.aliases ?? [])]) {
    if (BY_NAME.has(name)) throw new Error(`degradation registry: duplicate name '${name}' (${op.id} and ${BY_NAME.get(name)!.id})`);
    BY_NAME.set(name, op);
  }
}

export function validTypeList(): string {
  return OPERATORS.map((o) => `${o.id} (${o.code})`).join(', ');
}

/** Look up an operator by id, short code (any case) or alias; unknown names list the valid types. */
export function getOperator(name: string): AnySpec {
  const op = BY_NAME.get(name.trim().toLowerCase());
  if (!op) throw new UsageError(`unknown degradation type '${name}'; valid types: ${validTypeList()}`);
  return op;
}

export function totalLevels(): number {
  return OPERATORS.reduce((n, o) => n + o.levels.length, 0);
}
