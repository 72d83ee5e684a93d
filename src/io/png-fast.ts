/**
 * A fast PNG encoder for 8-bit RGB (what datasets are written as): Paeth filter + a single dynamic-Huffman
 * deflate block of literals, in SIMD-era wasm (assembly/image.ts). Same idea as fpng/fpnge: on filtered photos
 * LZ77 matching buys little, so skipping it writes files a few percent larger than zlib level 1, ~3x faster.
 * Any PNG decoder reads the result (tests decode it with libvips/libpng and compare every byte).
 */
import zlib from 'node:zlib';
import { pngZlibStream, type DeflateHeader } from '../wasm/pixels.js';

/** Huffman code lengths (max `limit` bits) for the given frequencies; zero frequency -> length 0. */
export function huffmanLengths(freq: readonly number[], limit = 15): number[] {
  let f = freq.slice();
  for (;;) {
    const lens = buildLengths(f);
    if (Math.max(...lens) <= limit) return lens;
    f = f.map((v) => (v > 0 ? Math.max(1, v >> 1) : 0));
  }
}

function buildLengths(freq: readonly number[]): number[] {
  const n = freq.length;
  const lens = new Array<number>(n).fill(0);
  const used = freq.map((v, i) => [v, i] as [number, number]).filter(([v]) => v > 0);
  if (used.length === 0) return lens;
  if (used.length === 1) { lens[used[0]![1]] = 1; return lens; }
  // nodes: leaves 0..n-1, internal n..; parent pointers to read depths
  const parent = new Int32Array(2 * n).fill(-1);
  let heap: [number, number][] = used.slice();
  let next = n;
  heap.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  while (heap.length > 1) {
    const a = heap.shift()!, b = heap.shift()!;
    parent[a[1]] = next; parent[b[1]] = next;
    const node: [number, number] = [a[0] + b[0], next++];
    // insert keeping order (ties: newer internal nodes after equal weights, deterministic)
    let lo = 0, hi = heap.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (heap[mid]![0] <= node[0]) lo = mid + 1; else hi = mid; }
    heap.splice(lo, 0, node);
  }
  for (const [, i] of used) { let d = 0, p = i; while (parent[p]! >= 0) { p = parent[p]!; d++; } lens[i] = d; }
  return lens;
}

/** Canonical codes (RFC 1951 3.2.2), bit-reversed for LSB-first emission. */
export function canonicalCodes(lens: readonly number[]): number[] {
  const maxLen = Math.max(...lens);
  const blCount = new Array<number>(maxLen + 1).fill(0);
  for (const l of lens) if (l) blCount[l]!++;
  const nextCode = new Array<number>(maxLen + 2).fill(0);
  let code = 0;
  for (let bits = 1; bits <= maxLen; bits++) { code = (code + blCount[bits - 1]!) << 1; nextCode[bits] = code; }
  return lens.map((l) => {
    if (!l) return 0;
    const c = nextCode[l]!++;
    let r = 0;
    for (let i = 0; i < l; i++) r |= ((c >> i) & 1) << (l - 1 - i);
    return r;
  });
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32(buf: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  if (native) return native(buf) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const rev4 = (v: number): number => ((v & 1) << 3) | ((v & 2) << 1) | ((v & 4) >> 1) | ((v & 8) >> 3);

/**
 * The deflate header for the filtered bytes' histogram: zlib header + dynamic block header (BFINAL 1, BTYPE 2, HLIT 0
 * (257), HDIST 0 (1), HCLEN 15 (19), the code-length code (lengths 0..15 all 4 bits), 257 literal/length code lengths,
 * one 1-bit distance code).
 */
function deflateHeader(freq: number[]): DeflateHeader {
  const lens = huffmanLengths(freq, 15);
  const codes = canonicalCodes(lens);
  const head: number[] = [0x78, 0x01];
  let acc = 0, bits = 0;
  const put = (v: number, nb: number): void => {
    acc |= v << bits; bits += nb;
    while (bits >= 8) { head.push(acc & 0xff); acc >>>= 8; bits -= 8; }
  };
  put(1, 1); put(2, 2); put(0, 5); put(0, 5); put(15, 4);
  for (const sym of CL_ORDER) put(sym <= 15 ? 4 : 0, 3);
  for (let i = 0; i < 257; i++) put(rev4(lens[i]!), 4);
  put(rev4(1), 4);
  return { head, acc, bits, codes: Uint16Array.from(codes), lens: Uint8Array.from(lens) };
}

export function encodePngRgb8(pixels: Uint8Array, width: number, height: number): Buffer {
  const idat = pngZlibStream(pixels, width, height, deflateHeader);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}
