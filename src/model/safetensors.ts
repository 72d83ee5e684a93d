/**
 * The safetensors format (Hugging Face): 8-byte little-endian header length, a JSON header mapping names to
 * {dtype, shape, data_offsets} plus "__metadata__" (string values), then the raw little-endian data. Readable by
 * `safetensors.torch.load_file` in Python.
 */
import { promises as fs } from 'node:fs';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/image-io.js';

export interface NamedArray { shape: number[]; data: Float32Array }

export async function saveSafetensors(file: string, tensors: Map<string, NamedArray>, metadata: Record<string, string>): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const n of names) {
    const t = tensors.get(n)!;
    header[n] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const n of names) {
    const d = tensors.get(n)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  await writeFileAtomic(file, out);
}

export async function loadSafetensors(file: string): Promise<{ tensors: Map<string, NamedArray>; metadata: Record<string, string> }> {
  let buf: Buffer;
  try { buf = await fs.readFile(file); } catch (e) { throw new ConfigError([{ path: file, message: `cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]); }
  const bad = (why: string): ConfigError => new ConfigError([{ path: file, message: `not a safetensors checkpoint (${why})` }]);
  if (buf.length < 8) throw bad('too short');
  const n = Number(buf.readBigUInt64LE(0));
  if (n <= 0 || 8 + n > buf.length) throw bad('bad header length');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try { header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')); } catch { throw bad('header is not JSON'); }
  const base = 8 + n;
  const tensors = new Map<string, NamedArray>();
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const t = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (t.dtype !== 'F32') throw bad(`${name} has dtype ${t.dtype}, only F32 is supported`);
    const [a, b] = t.data_offsets;
    if (b > buf.length - base || (b - a) % 4) throw bad(`${name} has bad offsets`);
    const copy = new Float32Array((b - a) / 4);
    Buffer.from(copy.buffer).set(buf.subarray(base + a, base + b));
    tensors.set(name, { shape: t.shape, data: copy });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}
