/**
 * The fast PNG encoder writes standard PNGs: libvips/libpng decodes every byte back, for any size and content.
 * The plain-PNG decoder reads what libvips reads, byte for byte, and declines (null) whatever it does not handle.
 */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { encodePngRgb8, decodePngRgb8, huffmanLengths, canonicalCodes } from '../../src/io/png-fast.js';
import { toUint8 } from '../../src/image.js';
import { Rng } from '../../src/rng.js';
import { realPhotos, SHARED } from '../helpers.js';

async function roundTrip(px: Uint8Array, w: number, h: number): Promise<void> {
  const png = encodePngRgb8(px, w, h);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([w, h, 3]);
  expect(Buffer.from(px).equals(data)).toBe(true);
}

describe('encodePngRgb8', () => {
  it('round-trips real photographs exactly and beats zlib level 1 on size', async () => {
    for (const img of await realPhotos(256)) {
      const px = toUint8(img);
      await roundTrip(px, img.width, img.height);
      const zl1 = await sharp(px, { raw: { width: img.width, height: img.height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
      expect(encodePngRgb8(px, img.width, img.height).length).toBeLessThan(zl1.length);
    }
  });
  it('round-trips tiny, odd, flat and random images', async () => {
    const r = new Rng(1);
    for (const [w, h] of [[1, 1], [2, 3], [5, 1], [17, 9], [300, 7]] as const) {
      const px = new Uint8Array(w * h * 3);
      for (let i = 0; i < px.length; i++) px[i] = r.int(0, 255);
      await roundTrip(px, w, h);
      await roundTrip(new Uint8Array(w * h * 3).fill(200), w, h);
    }
  });
  it('builds complete, length-limited Huffman codes', () => {
    const freq = Array.from({ length: 257 }, (_, i) => Math.floor(2 ** (i / 12)));
    const lens = huffmanLengths(freq, 15);
    expect(Math.max(...lens)).toBeLessThanOrEqual(15);
    const kraft = lens.reduce((s, l) => s + (l ? 2 ** -l : 0), 0);
    expect(kraft).toBeCloseTo(1, 12);
    expect(canonicalCodes([2, 1, 3, 3])).toEqual([0b01, 0b0, 0b011, 0b111]); // RFC 1951 example, bit-reversed
  });
});

/** A PNG of 8-bit RGB rows, each filtered with the given type (per the PNG spec, written out plainly here). */
function pngWithFilters(px: Uint8Array, w: number, h: number, types: number[], ihdr: Partial<Record<'depth' | 'colour' | 'interlace', number>> = {}): Buffer {
  const s = w * 3, raw = Buffer.alloc(h * (s + 1));
  const at = (y: number, i: number): number => (y < 0 || i < 0 ? 0 : px[y * s + i]!);
  for (let y = 0; y < h; y++) {
    const t = types[y % types.length]!;
    raw[y * (s + 1)] = t;
    for (let i = 0; i < s; i++) {
      const x = at(y, i), a = at(y, i - 3), b = at(y - 1, i), c = at(y - 1, i - 3);
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][t]!;
      raw[y * (s + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]), out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0); body.copy(out, 4); out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const head = Buffer.alloc(13);
  head.writeUInt32BE(w, 0); head.writeUInt32BE(h, 4);
  head[8] = ihdr.depth ?? 8; head[9] = ihdr.colour ?? 2; head[12] = ihdr.interlace ?? 0;
  const idat = zlib.deflateSync(raw);
  // split the data over two IDAT chunks, as writers with a buffer limit do
  const cut = idat.length >> 1;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', head), chunk('IDAT', idat.subarray(0, cut)), chunk('IDAT', idat.subarray(cut)), chunk('IEND', Buffer.alloc(0))]);
}

describe('decodePngRgb8', () => {
  it('decodes every Kodak24 photograph exactly as libvips does', async () => {
    const dir = path.join(SHARED, 'Kodak24', 'gt');
    const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.png')).sort();
    expect(names.length).toBe(24);
    for (const n of names) {
      const buf = await fs.readFile(path.join(dir, n));
      const own = await decodePngRgb8(buf);
      const ref = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
      expect(own, n).not.toBeNull();
      expect([own!.width, own!.height]).toEqual([ref.info.width, ref.info.height]);
      expect(Buffer.from(own!.bytes).equals(ref.data), n).toBe(true);
    }
  });
  it('undoes each of the five filters, alone and mixed, at odd sizes', async () => {
    const r = new Rng(2);
    for (const [w, h] of [[1, 1], [2, 3], [5, 2], [17, 9], [301, 6]] as const) {
      const px = new Uint8Array(w * h * 3);
      for (let i = 0; i < px.length; i++) px[i] = r.int(0, 255);
      for (const types of [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
        const got = await decodePngRgb8(pngWithFilters(px, w, h, types));
        expect(got, `${w}x${h} filters ${types}`).not.toBeNull();
        expect(Buffer.from(got!.bytes).equals(Buffer.from(px)), `${w}x${h} filters ${types}`).toBe(true);
      }
    }
  });
  it('declines what it does not handle and files that do not check out', async () => {
    const px = new Uint8Array(8 * 8 * 3).fill(90);
    const good = pngWithFilters(px, 8, 8, [4]);
    expect(await decodePngRgb8(good)).not.toBeNull();
    expect(await decodePngRgb8(pngWithFilters(px, 8, 8, [4], { interlace: 1 }))).toBeNull();
    expect(await decodePngRgb8(pngWithFilters(px, 8, 8, [4], { colour: 6 }))).toBeNull();
    expect(await decodePngRgb8(pngWithFilters(px, 8, 8, [4], { depth: 16 }))).toBeNull();
    expect(await decodePngRgb8(pngWithFilters(px, 8, 8, [5]))).toBeNull(); // no such filter type
    const badCrc = Buffer.from(good); badCrc[40] ^= 1; // a byte inside the first IDAT
    expect(await decodePngRgb8(badCrc)).toBeNull();
    expect(await decodePngRgb8(good.subarray(0, good.length - 20))).toBeNull(); // truncated
    expect(await decodePngRgb8(pngWithFilters(px, 8, 8, [4], { colour: 0 }))).toBeNull(); // grey
    const icc = await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).withIccProfile('p3').png().toBuffer();
    expect(icc.includes(Buffer.from('iCCP'))).toBe(true);
    expect(await decodePngRgb8(icc)).toBeNull();
  });
});
