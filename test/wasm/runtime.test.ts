/**
 * The wasm runtime: scoped scratch memory (regions die with their scope, nested scopes never touch each other's,
 * a view may not escape), the kernel signatures generated from assembly/, and the typed wrappers against JS.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { withScratch, type Scratch } from '../../src/wasm/runtime.js';
import { bytesToFloats, floatsToBytes, clampInPlace } from '../../src/wasm/pixels.js';
import { imageFromBytes } from '../../src/image.js';
import { ROOT } from '../helpers.js';

describe('scoped scratch', () => {
  it('a region cannot be used after its scope closed', () => {
    let kept: Scratch | null = null, ptr = 0;
    withScratch((s) => { kept = s; ptr = s.alloc(64); s.u8(ptr, 64).fill(7); });
    expect(() => kept!.u8(ptr, 64)).toThrow(/used after its scope closed/);
    expect(() => kept!.alloc(16)).toThrow(/used after its scope closed/);
  });

  it('refuses to return a view of its own memory', () => {
    expect(() => withScratch((s) => s.f32(s.alloc(16), 4))).toThrow(/returned a view of its own memory/);
    expect(withScratch((s) => s.f32(s.alloc(16), 4).slice())).toHaveLength(4);
  });

  it('an image making its floats inside an open scope leaves that scope\'s regions intact (the crash of degrade --type rain)', () => {
    const bytes = Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 37) & 255);
    withScratch((s) => {
      const a = s.alloc(1 << 20), view = () => s.u8(a, 1 << 20);
      view().fill(0xab);
      const img = imageFromBytes(bytes.slice(), 64, 64);
      const floats = img.data; // bytes / 255, made in a nested scope
      expect(floats[5]).toBeCloseTo(bytes[5]! / 255, 6);
      expect(view().every((v) => v === 0xab)).toBe(true);
    });
  });
});

describe('typed wrappers', () => {
  it('bytes <-> floats and clamping equal their JS definitions (odd lengths for the SIMD tails)', () => {
    const bytes = Uint8Array.from({ length: 1031 }, (_, i) => (i * 53) & 255);
    const f = bytesToFloats(bytes);
    for (let i = 0; i < bytes.length; i++) expect(Math.abs(f[i]! - bytes[i]! / 255)).toBeLessThanOrEqual(1.2e-7); // x / 255 to 1 ulp of 1
    const x = Float32Array.from({ length: 1031 }, (_, i) => (i % 7 === 0 ? NaN : (i - 500) / 300));
    const q = floatsToBytes(x);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!, c = Number.isNaN(v) ? 0 : Math.min(1, Math.max(0, v));
      expect(q[i], `sample ${i} (${v})`).toBe(Math.floor(Math.fround(c * 255) + 0.5)); // in float32, as the kernel
    }
    const y = x.slice();
    clampInPlace(y);
    for (let i = 0; i < x.length; i++) expect(y[i]).toBe(Number.isNaN(x[i]!) ? 0 : Math.fround(Math.min(1, Math.max(0, x[i]!))));
  });
});

describe('kernel signatures', () => {
  it('src/wasm/signatures.ts is what scripts/kernel-signatures.mjs makes from assembly/ now', () => {
    expect(() => execFileSync(process.execPath, [path.join(ROOT, 'scripts/kernel-signatures.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
