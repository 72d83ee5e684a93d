/**
 * Degrade one image: sample params for (type, level) from a seed, apply, and return the record that replays it.
 * The rng split is fixed: sample() gets fork('sample'), apply() gets fork('apply'); replay() rebuilds the latter.
 */
import type { Image } from './image.js';
import { clamp01 } from './image.js';
import { Rng } from './rng.js';
import { spatialScale, type AnySpec } from './degradations/spec.js';
import { UsageError } from './errors.js';
import { validateParams } from './degradations/validate.js';

export interface DegradationRecord {
  type: string;
  code: string;
  level: number;
  seed: number | string;
  width: number;
  height: number;
  /** The spatial scale the params were sampled at (the photograph's short side / 512). */
  scale?: number;
  params: Record<string, unknown>;
}

export function checkLevel(op: AnySpec, level: number): void {
  if (!Number.isInteger(level) || level < 1 || level > op.levels.length) {
    throw new UsageError(`{level}: ${op.id} has levels 1-${op.levels.length}, received ${level}`);
  }
}

/**
 * Sample and apply. `photo`: the size of the photograph `img` was cut from (spatial sizes take its scale); the image
 * itself when absent.
 */
export async function degrade(img: Image, op: AnySpec, level: number, seed: number | string, photo?: { width: number; height: number }): Promise<{ image: Image; record: DegradationRecord }> {
  checkLevel(op, level);
  const rng = new Rng(seed);
  const size = { width: img.width, height: img.height, photo };
  const params = op.sample(level, rng.fork('sample'), size) as Record<string, unknown>;
  const image = await applyParams(img, op, params, seed);
  return { image, record: { type: op.id, code: op.code, level, seed, width: img.width, height: img.height, scale: Math.round(spatialScale(size) * 1e4) / 1e4, params } };
}

/** Apply already-resolved params with a seed (the apply half of degrade()); params are trusted. */
export async function applyParams(img: Image, op: AnySpec, params: Record<string, unknown>, seed: number | string): Promise<Image> {
  return clamp01(await op.apply(img, params, new Rng(seed).fork('apply')));
}

/** Re-apply recorded params (validated: they come from a file) with the recorded seed: byte-identical output. */
export async function replay(img: Image, op: AnySpec, params: unknown, seed: number | string): Promise<Image> {
  return applyParams(img, op, validateParams(op, params), seed);
}
