/** Image I/O: formats, bit depths, grey/alpha handling, EXIF orientation, and clear errors for bad files. */
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { readImage, writeImage, DEFAULT_MAX_PIXELS } from '../../src/io/image-io.js';
import { InputError, OutputError } from '../../src/errors.js';
import { toUint8, fromUint8 } from '../../src/image.js';
import { gaussianBlur } from '../../src/imgproc/filter.js';
import { copyShared, tempDir } from '../helpers.js';

/** A 24-bit bottom-up BMP written by hand (the format's own layout), for the BMP decoder. */
function bmp24(w: number, h: number, rgb: Uint8Array): Buffer {
  const stride = Math.ceil((w * 3) / 4) * 4, size = 54 + stride * h, b = Buffer.alloc(size);
  b.write('BM', 0); b.writeUInt32LE(size, 2); b.writeUInt32LE(54, 10); b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18); b.writeInt32LE(h, 22); b.writeUInt16LE(1, 26); b.writeUInt16LE(24, 28);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = 54 + (h - 1 - y) * stride + x * 3, i = (y * w + x) * 3;
    b[o] = rgb[i + 2]!; b[o + 1] = rgb[i + 1]!; b[o + 2] = rgb[i]!;
  }
  return b;
}

describe('readImage', () => {
  it('reads 8-bit PNG, JPEG, WebP, TIFF and BMP of the same photo to the same float RGB', async () => {
    const [png] = await copyShared('Kodak24/gt', ['kodim03.png']);
    const dir = path.dirname(png!);
    const ref = await readImage(png!);
    expect(ref.image.channels).toBe(3);
    expect(ref.info).toMatchObject({ format: 'png', bitDepth: 8 });
    const { data, info } = await sharp(png!).raw().toBuffer({ resolveWithObject: true });
    await sharp(png!).webp({ lossless: true }).toFile(path.join(dir, 'a.webp'));
    await sharp(png!).tiff({ compression: 'lzw' }).toFile(path.join(dir, 'a.tif'));
    await fs.writeFile(path.join(dir, 'a.bmp'), bmp24(info.width, info.height, data));
    for (const f of ['a.webp', 'a.tif', 'a.bmp']) {
      const r = await readImage(path.join(dir, f));
      expect(Buffer.from(toUint8(r.image)).equals(Buffer.from(toUint8(ref.image))), f).toBe(true);
    }
    await sharp(png!).jpeg({ quality: 95 }).toFile(path.join(dir, 'a.jpg'));
    const j = await readImage(path.join(dir, 'a.jpg'));
    expect(j.info.format).toBe('jpeg');
    expect(j.image.width).toBe(ref.image.width);
  });

  it('reads 16-bit PNG at full precision and writes 16-bit PNG back exactly', async () => {
    const dir = await tempDir();
    const u16 = new Uint16Array(4 * 3);
    u16.set([0, 1, 65535, 1000, 30000, 65534, 7, 8, 9, 40000, 50000, 60000]);
    const f = path.join(dir, 'deep.png');
    await sharp(u16, { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('rgb16').png().toFile(f);
    const r = await readImage(f);
    expect(r.info.bitDepth).toBe(16);
    expect(r.image.data[1]! * 65535).toBeCloseTo(1, 3);
    await writeImage(r.image, path.join(dir, 'back.png'), { bitDepth: 16 });
    const back = await readImage(path.join(dir, 'back.png'));
    for (let i = 0; i < 12; i++) expect(Math.round(back.image.data[i]! * 65535)).toBe(u16[i]);
  });

  it('turns grey into RGB and flattens alpha onto white (or rejects it on request)', async () => {
    const dir = await tempDir();
    const grey = path.join(dir, 'g.png');
    await sharp(Buffer.from([0, 128, 255, 64]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(grey);
    const g = await readImage(grey);
    expect(Array.from(toUint8(g.image).slice(0, 6))).toEqual([0, 0, 0, 128, 128, 128]);
    const rgba = path.join(dir, 'a.png');
    await sharp(Buffer.from([255, 0, 0, 0, 0, 0, 255, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(rgba);
    const a = await readImage(rgba);
    expect(a.info.hadAlpha).toBe(true);
    expect(Array.from(toUint8(a.image))).toEqual([255, 255, 255, 0, 0, 255]); // transparent -> white
    await expect(readImage(rgba, { alpha: 'reject' })).rejects.toThrow(/a\.png: has an alpha channel/);
  });

  it('applies EXIF orientation', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'rot.jpg');
    await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } }).jpeg().withMetadata({ orientation: 6 }).toFile(f);
    const r = await readImage(f);
    expect([r.image.width, r.image.height]).toEqual([20, 40]);
    expect(r.info.orientation).toBe(6);
  });

  it('names the file for missing, empty, non-image and truncated inputs', async () => {
    const dir = await tempDir();
    await expect(readImage(path.join(dir, 'nope.png'))).rejects.toThrow(/nope\.png: cannot read \(no such file\)/);
    await fs.writeFile(path.join(dir, 'empty.png'), '');
    await expect(readImage(path.join(dir, 'empty.png'))).rejects.toThrow(/empty\.png: empty file \(0 bytes\)/);
    await fs.writeFile(path.join(dir, 'text.png'), 'hello, not an image');
    await expect(readImage(path.join(dir, 'text.png'))).rejects.toThrow(/text\.png: not a readable image/);
    const [png] = await copyShared('Kodak24/gt', ['kodim03.png']);
    const bytes = await fs.readFile(png!);
    await fs.writeFile(path.join(dir, 'cut.png'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await readImage(path.join(dir, 'cut.png')).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/cut\.png: cannot decode png/);
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    const dir = await tempDir();
    const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer();
    // forge IHDR: 60000 x 60000 pixels, with a valid CRC
    const bomb = Buffer.from(small);
    bomb.writeUInt32BE(60000, 16); bomb.writeUInt32BE(60000, 20);
    bomb.writeUInt32BE(zlib.crc32(bomb.subarray(12, 29)) >>> 0, 29);
    const f = path.join(dir, 'bomb.png');
    await fs.writeFile(f, bomb);
    await expect(readImage(f)).rejects.toThrow(new RegExp(`bomb\\.png: 60000x60000 = 3600000000 pixels exceeds the pixel limit of ${DEFAULT_MAX_PIXELS}`));
    await expect(readImage(f, { maxPixels: 10 })).rejects.toThrow(/exceeds the pixel limit of 10/);
  });
});

describe('byte-backed images', () => {
  it('keep the decoded bytes exactly, make floats on first use, and drop the bytes once data is replaced or spread', async () => {
    const [file] = await copyShared('Kodak24/gt', ['kodim03.png']);
    const { image } = await readImage(file!);
    const raw = await sharp(file!).raw().toBuffer();
    expect(Buffer.from(image.bytes!).equals(raw)).toBe(true);
    expect(toUint8(image)).toBe(image.bytes); // no second quantisation
    for (const i of [0, 1, 2, 1000, raw.length - 1]) expect(image.data[i]).toBeCloseTo(raw[i]! / 255, 7);
    const spread = { ...image, data: image.data.slice() };
    expect(spread.bytes).toBeUndefined();
    expect(spread.width).toBe(768);
    const changed = (await readImage(file!)).image;
    changed.data = new Float32Array(changed.data.length); // all black now
    expect(changed.bytes).toBeUndefined();
    expect(toUint8(changed).every((v) => v === 0)).toBe(true);
  });
  it('make their floats without touching the wasm scratch arena (an operator may read data with regions live)', async () => {
    const [file] = await copyShared('Kodak24/gt', ['kodim03.png']);
    const { image } = await readImage(file!);
    const blurred = gaussianBlur(image, 2); // pads into the arena, then reads image.data for the first time
    const viaFloats = gaussianBlur({ data: (await readImage(file!)).image.data.slice(), width: 768, height: 512, channels: 3 }, 2);
    expect(Buffer.from(blurred.data.buffer).equals(Buffer.from(viaFloats.data.buffer))).toBe(true);
    expect(image.data[5]).toBe(fromUint8(image.bytes!, 768, 512).data[5]); // bytes / 255 exactly as the wasm kernel makes it
    let same = true;
    const ref = fromUint8(image.bytes!, 768, 512).data;
    for (let i = 0; i < ref.length; i++) if (ref[i] !== image.data[i]) { same = false; break; }
    expect(same).toBe(true);
  });
});

describe('writeImage', () => {
  it('writes atomically and leaves nothing behind when the folder cannot be written', async () => {
    const dir = await tempDir();
    const img = { data: new Float32Array(12).fill(0.5), width: 2, height: 2, channels: 3 };
    await writeImage(img, path.join(dir, 'ok.png'));
    expect((await fs.readdir(dir))).toEqual(['ok.png']);
    await expect(writeImage(img, path.join(dir, 'missing', 'x.png'))).rejects.toThrow(OutputError);
    await expect(writeImage(img, path.join(dir, 'missing', 'x.png'))).rejects.toThrow(/x\.png: cannot write \(folder does not exist\)/);
  });
});
