/** Smooth random fields (fractal value noise) for depth proxies, haze density and rain/snow layers. */
import type { Rng } from '../rng.js';
import { resize } from './resize.js';

/**
 * Sum of octaves of bicubically upsampled white noise, normalised to [0, 1]. `cells` is the number of grid cells
 * along the short side at the coarsest octave. Always draws the same amount of randomness for a given size.
 */
export function fractalNoise(W: number, H: number, rng: Rng, cells = 3, octaves = 4, persistence = 0.5): Float32Array {
  const out = new Float32Array(W * H);
  let amp = 1;
  const short = Math.min(W, H);
  for (let o = 0; o < octaves; o++) {
    const c = cells * 2 ** o;
    const gw = Math.max(2, Math.round((c * W) / short) + 1), gh = Math.max(2, Math.round((c * H) / short) + 1);
    const g = new Float32Array(gw * gh);
    for (let i = 0; i < g.length; i++) g[i] = rng.next();
    const up = resize({ data: g, width: gw, height: gh, channels: 1 }, W, H, 'bicubic').data;
    for (let i = 0; i < out.length; i++) out[i]! += amp * up[i]!;
    amp *= persistence;
  }
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < out.length; i++) { const v = out[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
  const s = hi > lo ? 1 / (hi - lo) : 0;
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! - lo) * s;
  return out;
}
