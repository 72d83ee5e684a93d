/**
 * A small BMP decoder: libvips (and so sharp) reads BMP only through ImageMagick, which sharp's prebuilt
 * binaries do not include. Covers what cameras and tools write: 1/4/8-bit paletted, 16-bit 5-5-5/5-6-5,
 * 24-bit and 32-bit (BI_RGB / BI_BITFIELDS), bottom-up and top-down. RLE-compressed BMPs are rejected.
 */
export interface DecodedBmp { data: Uint8Array; width: number; height: number; channels: 3 | 4 }

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function bmpSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 26) throw new Error('BMP header is truncated');
  return { width: buf.readInt32LE(18), height: Math.abs(buf.readInt32LE(22)) };
}

export function decodeBmp(buf: Buffer): DecodedBmp {
  if (buf.length < 54) throw new Error('BMP header is truncated');
  const dataOffset = buf.readUInt32LE(10);
  const headerSize = buf.readUInt32LE(14);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error(`BMP has invalid size ${width}x${rawHeight}`);
  if (compression !== 0 && compression !== 3) throw new Error(`BMP compression ${compression} (RLE) is not supported`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new Error('BMP pixel data is truncated');

  let masks = [0, 0, 0, 0];
  if (compression === 3) {
    const at = headerSize >= 52 ? 54 : 14 + headerSize;
    masks = [buf.readUInt32LE(at), buf.readUInt32LE(at + 4), buf.readUInt32LE(at + 8), headerSize >= 56 ? buf.readUInt32LE(at + 12) : 0];
  } else if (bpp === 16) masks = [0x7c00, 0x03e0, 0x001f, 0];
  else if (bpp === 32) masks = [0xff0000, 0xff00, 0xff, 0];
  const hasAlpha = bpp === 32 && masks[3] !== 0;
  const channels = hasAlpha ? 4 : 3;
  const out = new Uint8Array(width * height * channels);

  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const colours = buf.readUInt32LE(46) || 1 << bpp;
    const start = 14 + headerSize;
    palette = new Uint8Array(colours * 3);
    for (let i = 0; i < colours; i++) {
      palette[i * 3] = buf[start + i * 4 + 2]!;
      palette[i * 3 + 1] = buf[start + i * 4 + 1]!;
      palette[i * 3 + 2] = buf[start + i * 4]!;
    }
  }
  const field = (v: number, mask: number): number => {
    if (mask === 0) return 255;
    let shift = 0;
    while (((mask >>> shift) & 1) === 0) shift++;
    const max = mask >>> shift;
    return Math.round((((v & mask) >>> shift) * 255) / max);
  };

  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const bit = x * bpp;
        const byte = buf[row + (bit >> 3)]!;
        const idx = bpp === 8 ? byte : (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (idx * 3 + 2 >= palette.length) throw new Error(`BMP palette index ${idx} out of range`);
        out[o] = palette[idx * 3]!; out[o + 1] = palette[idx * 3 + 1]!; out[o + 2] = palette[idx * 3 + 2]!;
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = buf[p + 2]!; out[o + 1] = buf[p + 1]!; out[o + 2] = buf[p]!;
      } else if (bpp === 16 || bpp === 32) {
        const v = bpp === 16 ? buf.readUInt16LE(row + x * 2) : buf.readUInt32LE(row + x * 4);
        out[o] = field(v, masks[0]!); out[o + 1] = field(v, masks[1]!); out[o + 2] = field(v, masks[2]!);
        if (hasAlpha) out[o + 3] = field(v, masks[3]!);
      } else throw new Error(`BMP bit depth ${bpp} is not supported`);
    }
  }
  return { data: out, width, height, channels };
}
