/**
 * All image decoding and encoding goes through this module (sharp at the edges, one float RGB type inside).
 *
 * Input: 8- and 16-bit PNG, JPEG, WebP, TIFF (through sharp/libvips) and BMP (our decoder, see bmp.ts).
 * EXIF orientation is applied. Grey images become RGB by repeating the channel. Alpha is flattened onto white
 * (the way a viewer shows a transparent image on a page); pass `alpha: 'reject'` to refuse such inputs instead.
 * Decompression bombs are refused before decoding: an image whose header declares more than `maxPixels` pixels.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { Image } from '../image.js';
import { toUint8, imageFromBytes } from '../image.js';
import { InputError, OutputError, UsageError } from '../errors.js';
import { decodeBmp, isBmp, bmpSize } from './bmp.js';
import { encodePngRgb8 } from './png-fast.js';

/** Default pixel limit: 100 megapixels (a 12000x8000 photo fits; a forged 50000x50000 header does not). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export const INPUT_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.bmp'];
const SHARP_FORMATS = new Set(['png', 'jpeg', 'webp', 'tiff']);

export interface ReadOptions {
  maxPixels?: number;
  alpha?: 'flatten' | 'reject';
}

export interface ImageSourceInfo {
  format: string;
  /** Bits per sample of the source (8 or 16). */
  bitDepth: number;
  /** Channels in the source before conversion to RGB (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
  sourceChannels: number;
  /** EXIF orientation tag that was applied (1 = none). */
  orientation: number;
  hadAlpha: boolean;
}

export interface DecodedImage { image: Image; info: ImageSourceInfo }

function describeFsError(file: string, err: NodeJS.ErrnoException): InputError {
  const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
  return new InputError(`${file}: cannot read (${why})`, { cause: err });
}

/** Read and decode an image file into the float RGB type. Errors name the file and say what is wrong. */
export async function readImage(file: string, opts: ReadOptions = {}): Promise<DecodedImage> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    throw describeFsError(file, err as NodeJS.ErrnoException);
  }
  return decodeImage(buf, file, opts);
}

export async function decodeImage(buf: Buffer, name: string, opts: ReadOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (buf.length === 0) throw new InputError(`${name}: empty file (0 bytes), not an image`);
  if (isBmp(buf)) return decodeBmpImage(buf, name, maxPixels, opts);

  const plain = plainPngSize(buf);
  if (plain) {
    // the common dataset case: decode straight away, without a metadata round trip through libvips
    checkPixels(name, plain.width, plain.height, maxPixels);
    const info: ImageSourceInfo = { format: 'png', bitDepth: 8, sourceChannels: 3, orientation: 1, hadAlpha: false };
    try {
      const { data, info: out } = await sharp(buf, { limitInputPixels: maxPixels, failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
      if (out.channels === 3) return { image: imageFromBytes(data, out.width, out.height), info };
    } catch {
      // fall through: the general path below reports what is wrong with the file
    }
  }
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new InputError(`${name}: not a readable image (${firstLine(err)})`, { cause: err });
  }
  if (!meta.format || !SHARP_FORMATS.has(meta.format)) {
    throw new InputError(`${name}: unsupported image format '${meta.format}' (expected PNG, JPEG, WebP, TIFF or BMP)`);
  }
  const width = meta.width ?? 0, height = meta.height ?? 0;
  checkPixels(name, width, height, maxPixels);
  const hadAlpha = !!meta.hasAlpha;
  if (hadAlpha && opts.alpha === 'reject') throw new InputError(`${name}: has an alpha channel (alpha inputs are refused with alpha: 'reject')`);
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  const info: ImageSourceInfo = {
    format: meta.format, bitDepth: sixteen ? 16 : 8, sourceChannels: meta.channels ?? 3,
    orientation: meta.orientation ?? 1, hadAlpha,
  };

  try {
    let p = sharp(buf, { limitInputPixels: maxPixels, failOn: 'warning' });
    if (info.orientation > 1) p = p.rotate();
    if (hadAlpha) p = p.flatten({ background: sixteen ? { r: 65535, g: 65535, b: 65535 } : '#ffffff' });
    // plain 8-bit sRGB needs no colour conversion (the common case, and measurably faster without it)
    if (sixteen || meta.space !== 'srgb' || (meta.channels ?? 3) < 3) p = p.toColourspace(sixteen ? 'rgb16' : 'srgb');
    const { data, info: out } = await p.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const n = out.width * out.height, ch = out.channels;
    if (!sixteen && ch === 3) return { image: imageFromBytes(data, out.width, out.height), info };
    const pixels = new Float32Array(n * 3);
    const src = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : data;
    const scale = sixteen ? 1 / 65535 : 1 / 255;
    if (ch === 3) {
      for (let i = 0; i < n * 3; i++) pixels[i] = src[i]! * scale;
    } else {
      // grey or leftover alpha band: replicate the first band, drop the rest
      const greyish = ch < 3;
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) pixels[i * 3 + c] = src[i * ch + (greyish ? 0 : c)]! * scale;
      }
    }
    return { image: { data: pixels, width: out.width, height: out.height, channels: 3 }, info };
  } catch (err) {
    if (err instanceof InputError) throw err;
    const msg = firstLine(err);
    if (/pixel limit/i.test(msg)) checkPixels(name, width, height, 0);
    throw new InputError(`${name}: cannot decode ${meta.format} (${/truncat|premature|end of|Read error|invalid/i.test(msg) ? 'truncated or corrupt: ' : ''}${msg})`, { cause: err });
  }
}

/**
 * Width and height of a PNG that decodes to plain 8-bit RGB with nothing to apply: colour type 2, 8 bits, no tRNS
 * (which would add alpha) and no eXIf (which may rotate). Anything else, or a chunk list that does not parse, is null.
 */
function plainPngSize(buf: Buffer): { width: number; height: number } | null {
  if (buf.length < 33 || buf.readUInt32BE(0) !== 0x89504e47 || buf.readUInt32BE(4) !== 0x0d0a1a0a || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  if (buf[24] !== 8 || buf[25] !== 2) return null;
  for (let p = 8; p + 8 <= buf.length;) {
    const len = buf.readUInt32BE(p), type = buf.toString('latin1', p + 4, p + 8);
    if (type === 'tRNS' || type === 'eXIf') return null;
    if (type === 'IEND') return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
    p += 12 + len;
  }
  return null; // no IEND: truncated; let the general path say so
}

function decodeBmpImage(buf: Buffer, name: string, maxPixels: number, opts: ReadOptions): DecodedImage {
  let decoded;
  try {
    const { width, height } = bmpSize(buf);
    checkPixels(name, width, height, maxPixels);
    decoded = decodeBmp(buf);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${name}: cannot decode bmp (${firstLine(err)})`, { cause: err });
  }
  const hadAlpha = decoded.channels === 4;
  if (hadAlpha && opts.alpha === 'reject') throw new InputError(`${name}: has an alpha channel (alpha inputs are refused with alpha: 'reject')`);
  const n = decoded.width * decoded.height, ch = decoded.channels, pixels = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = hadAlpha ? decoded.data[i * 4 + 3]! / 255 : 1;
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = (decoded.data[i * ch + c]! / 255) * a + (1 - a);
  }
  return {
    image: { data: pixels, width: decoded.width, height: decoded.height, channels: 3 },
    info: { format: 'bmp', bitDepth: 8, sourceChannels: ch, orientation: 1, hadAlpha },
  };
}

function checkPixels(name: string, width: number, height: number, maxPixels: number): void {
  if (!(width > 0 && height > 0)) throw new InputError(`${name}: image has no pixels (${width}x${height})`);
  if (maxPixels > 0 && width * height <= maxPixels) return;
  throw new InputError(`${name}: ${width}x${height} = ${width * height} pixels exceeds the pixel limit of ${maxPixels || DEFAULT_MAX_PIXELS} (raise it with --max-pixels)`);
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.trim();
}

/** Size (after EXIF orientation) and format from an image's header, without decoding its pixels. */
export interface ImageHeader { width: number; height: number; format: string }

export async function readImageHeader(buf: Buffer): Promise<ImageHeader> {
  if (isBmp(buf)) return { ...bmpSize(buf), format: 'bmp' };
  const m = await sharp(buf, { limitInputPixels: false }).metadata();
  if (!m.width || !m.height || !m.format) throw new Error('no image size in the header');
  const rotated = (m.orientation ?? 1) >= 5;
  return { width: rotated ? m.height : m.width, height: rotated ? m.width : m.height, format: m.format };
}

/** The images in a folder keyed by file name without extension (how paired sets are matched). */
export async function imagesByName(dir: string, flag: string): Promise<Map<string, string>> {
  let names: string[];
  try { names = await fs.readdir(dir); } catch { throw new InputError(`${flag} ${dir}: no such folder`); }
  const out = new Map<string, string>();
  for (const n of names.sort()) if (INPUT_EXTENSIONS.includes(path.extname(n).toLowerCase())) out.set(path.parse(n).name, path.join(dir, n));
  if (out.size === 0) throw new InputError(`${flag} ${dir}: no images (${INPUT_EXTENSIONS.join(' ')})`);
  return out;
}

export type OutputFormat = 'png' | 'webp' | 'jpeg' | 'tiff';

export interface WriteOptions {
  format?: OutputFormat;
  /**
   * PNG: omitted, 8-bit RGB is written by the fast encoder (png-fast.ts: Paeth + Huffman, smaller than zlib level 1
   * and ~2x faster); a zlib level 0-9 here uses libvips/libpng instead.
   */
  compressionLevel?: number;
  /** Quality for lossy JPEG/WebP (1-100). WebP is lossless unless `lossy` is set. */
  quality?: number;
  lossy?: boolean;
  /** 8 (default) or 16 bits per sample (PNG and TIFF only). */
  bitDepth?: 8 | 16;
}

export function formatFromPath(file: string): OutputFormat {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.png': return 'png';
    case '.webp': return 'webp';
    case '.jpg': case '.jpeg': return 'jpeg';
    case '.tif': case '.tiff': return 'tiff';
    default: throw new UsageError(`${file}: cannot tell the output format from '${ext || '(no extension)'}' (use .png, .webp, .jpg or .tif)`);
  }
}

/** Encode to a buffer in the given format. */
export async function encodeImage(img: Image, opts: WriteOptions & { format: OutputFormat }): Promise<Buffer> {
  const { width, height } = img;
  const bitDepth = opts.bitDepth ?? 8;
  let p: Sharp;
  if (bitDepth === 16) {
    if (opts.format !== 'png' && opts.format !== 'tiff') throw new UsageError(`16-bit output needs PNG or TIFF, not ${opts.format}`);
    const d = img.data, u16 = new Uint16Array(d.length);
    for (let i = 0; i < d.length; i++) { const v = d[i]!; u16[i] = v > 0 ? (v < 1 ? (v * 65535 + 0.5) | 0 : 65535) : 0; }
    p = sharp(u16, { raw: { width, height, channels: 3 } }).toColourspace('rgb16');
  } else {
    const bytes = toUint8(img);
    if (opts.format === 'png' && opts.compressionLevel === undefined && img.channels === 3) return encodePngRgb8(bytes, width, height);
    p = sharp(bytes, { raw: { width, height, channels: img.channels as 3 } });
  }
  switch (opts.format) {
    case 'png': return p.png({ compressionLevel: opts.compressionLevel ?? 1, adaptiveFiltering: false }).toBuffer();
    case 'webp': return opts.lossy ? p.webp({ quality: opts.quality ?? 90 }).toBuffer() : p.webp({ lossless: true, effort: 1 }).toBuffer();
    case 'jpeg': return p.jpeg({ quality: opts.quality ?? 95, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'tiff': return p.tiff({ compression: 'deflate' }).toBuffer();
  }
}

let tmpCounter = 0;

/**
 * Write bytes atomically: to a temporary name in the same folder, then rename. A crash never leaves a partial file
 * under the final name; the temporary file is removed on failure.
 */
/**
 * The temporary name a file is written under before its rename: `.<name>.uir-tmp-<tag>-<pid>-<n>`. A build tags its
 * files with its shard (`main`, `s3of16`), so that its start-up clean-up removes only its own leftovers, never the
 * file another shard is writing into the same folder.
 */
export function tempNameFor(file: string, tag = 'x'): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.uir-tmp-${tag}-${process.pid}-${tmpCounter++}`);
}

export async function writeFileAtomic(file: string, bytes: Uint8Array, o: { tag?: string } = {}): Promise<void> {
  const tmp = tempNameFor(file, o.tag);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw outputError(file, err as NodeJS.ErrnoException);
  }
}

export function outputError(file: string, err: NodeJS.ErrnoException): OutputError {
  const why: Record<string, string> = {
    ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied',
    EPERM: 'permission denied', ENOENT: 'folder does not exist', EDQUOT: 'disk quota exceeded', ENOTDIR: 'a parent is not a folder',
  };
  return new OutputError(`${file}: cannot write (${why[err.code ?? ''] ?? err.message})`, { cause: err });
}

/** Encode and write atomically; the format comes from the extension unless given. */
export async function writeImage(img: Image, file: string, opts: WriteOptions = {}): Promise<void> {
  const format = opts.format ?? formatFromPath(file);
  const bytes = await encodeImage(img, { ...opts, format });
  await writeFileAtomic(file, bytes);
}
