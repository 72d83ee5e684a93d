/**
 * `uir serve`: a small HTTP server for looking at a dataset and training runs. It reads the SQLite manifest
 * read-only (WAL lets it run while a build writes), serves only files that manifest rows reference (looked up by
 * pair id, so no request path ever reaches the file system), makes thumbnails with sharp and keeps them in a
 * bounded in-memory cache. Loopback by default; another address only with an explicit --host.
 */
import http from 'node:http';
import { promises as fs, createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { manifestPath } from '../manifest/db.js';
import { ManifestStore } from '../manifest/store.js';
import { resolveStored, type PairFilter } from '../manifest/queries.js';
import { OPERATORS } from '../degradations/index.js';
import { InputError, UsageError } from '../errors.js';
import { PAGE_HTML } from './page.js';

export interface ServeOptions { data: string; port: number; host: string; runs?: string }
export interface RunningServer { url: string; close(): Promise<void> }

class BadRequest extends Error {}

const MIME: Record<string, string> = { '.png': 'image/png', '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.bmp': 'image/bmp' };

function intParam(q: URLSearchParams, name: string, lo: number, hi: number, dflt: number): number {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new BadRequest(`${name}: expected an integer ${lo}-${hi}, received '${v}'`);
  return Number(v);
}

function filterFrom(q: URLSearchParams): PairFilter {
  const f: PairFilter = {};
  const types = q.getAll('type').flatMap((t) => t.split(',')).filter(Boolean);
  const known = new Set(OPERATORS.map((o) => o.id));
  for (const t of types) if (!known.has(t)) throw new BadRequest(`type: unknown type '${t}'`);
  if (types.length) f.type = types;
  const levels = q.getAll('level').flatMap((t) => t.split(',')).filter(Boolean);
  for (const l of levels) if (!/^\d{1,3}$/.test(l)) throw new BadRequest(`level: expected an integer, received '${l}'`);
  if (levels.length) f.level = levels.map(Number);
  const splits = q.getAll('split').flatMap((t) => t.split(',')).filter(Boolean);
  for (const s of splits) if (!['train', 'val', 'test'].includes(s)) throw new BadRequest(`split: expected train, val or test, received '${s}'`);
  if (splits.length) f.split = splits;
  const real = q.get('real');
  if (real !== null && real !== '') {
    if (real !== 'real' && real !== 'synthetic') throw new BadRequest(`real: expected real or synthetic, received '${real}'`);
    f.real = real === 'real';
  }
  const source = q.get('source');
  if (source) {
    if (source.length > 200) throw new BadRequest('source: too long');
    f.source = source;
  }
  return f;
}

const THUMB_CACHE = 600;

/** What the handlers share: the options, the open manifest, the folders files may be served from, a thumbnail cache. */
interface Ctx { o: ServeOptions; store: ManifestStore; allowed: string[]; thumbs: Map<string, Buffer> }

function json(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
const notFound = (res: http.ServerResponse): void => json(res, 404, { error: 'not found' });

/**
 * The file a pair references, only if it is safe to serve: a regular file (no symbolic link at the last component),
 * whose real path lies inside the dataset folder or an ingest root, whose first bytes are an image of the type its
 * name claims. Anything else is null (404): a manifest row cannot make the server read /etc/passwd.
 */
async function fileFor(ctx: Ctx, id: string, which: string): Promise<{ file: string; mime: string; size: number } | null> {
  if (which !== 'lq' && which !== 'gt') return null;
  const row = ctx.store.pairById(id);
  if (!row) return null;
  const file = resolveStored(ctx.o.data, which === 'lq' ? row.lq_path : row.gt_path);
  const st = await fs.lstat(file).catch(() => null);
  if (!st?.isFile()) return null;
  const real = await fs.realpath(file).catch(() => null);
  if (!real || !ctx.allowed.some((r) => real === r || real.startsWith(r + path.sep))) return null;
  const mime = MIME[path.extname(file).toLowerCase()];
  if (!mime || sniff(await readHead(real)) !== mime) return null;
  return { file: real, mime, size: st.size };
}

async function runsList(runs: string | undefined): Promise<{ name: string; points: number }[]> {
  if (!runs) return [];
  const names = await fs.readdir(runs).catch(() => [] as string[]);
  const out: { name: string; points: number }[] = [];
  for (const n of names.sort()) {
    const text = await fs.readFile(path.join(runs, n, 'metrics.jsonl'), 'utf8').catch(() => null);
    if (text !== null) out.push({ name: n, points: text.split('\n').filter(Boolean).length });
  }
  return out;
}

/** /api/stats, /api/pairs, /api/pair/ID, /api/runs and /api/runs/NAME. */
async function api(ctx: Ctx, parts: string[], url: URL, res: http.ServerResponse): Promise<void> {
  const { store, o } = ctx;
  if (parts[1] === 'stats' && parts.length === 2) {
    json(res, 200, { ...store.stats(), types: OPERATORS.map((op) => ({ id: op.id, code: op.code, levels: op.levels.length })), dataset: path.resolve(o.data) });
  } else if (parts[1] === 'pairs' && parts.length === 2) {
    const f = filterFrom(url.searchParams);
    const per = intParam(url.searchParams, 'per', 1, 200, 48);
    const page = intParam(url.searchParams, 'page', 0, 1_000_000, 0);
    const total = store.countPairs(f);
    const rows = store.queryPairs(f, per, page * per).map((r) => ({ id: r.id, type: r.type, code: r.code, level: r.level, split: r.split, real: !!r.real, width: r.width, height: r.height }));
    json(res, 200, { total, page, per, rows });
  } else if (parts[1] === 'pair' && parts.length === 3) {
    const row = store.pairById(decodeURIComponent(parts[2]!));
    if (!row) { notFound(res); return; }
    const src = store.sourceByHash(row.source_hash);
    json(res, 200, { ...row, real: !!row.real, params: JSON.parse(row.params) as unknown, source: src?.path ?? null });
  } else if (parts[1] === 'runs' && parts.length === 2) {
    json(res, 200, { runs: await runsList(o.runs) });
  } else if (parts[1] === 'runs' && parts.length === 3 && o.runs) {
    const name = decodeURIComponent(parts[2]!);
    if (!(await runsList(o.runs)).some((r) => r.name === name)) { notFound(res); return; }
    const text = await fs.readFile(path.join(o.runs, name, 'metrics.jsonl'), 'utf8');
    const points = text.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as unknown; } catch { return null; } }).filter(Boolean);
    json(res, 200, { name, points });
  } else notFound(res);
}

/** /image/ID/lq|gt (the file itself) and /thumb/ID/lq|gt (a 256 px WebP, cached). */
async function image(ctx: Ctx, parts: string[], res: http.ServerResponse): Promise<void> {
  const id = decodeURIComponent(parts[1]!), which = parts[2]!;
  const found = await fileFor(ctx, id, which);
  if (!found) { notFound(res); return; }
  if (parts[0] === 'image') {
    res.writeHead(200, { 'content-type': found.mime, 'content-length': found.size, 'cache-control': 'max-age=3600', 'x-content-type-options': 'nosniff' });
    createReadStream(found.file).pipe(res);
    return;
  }
  const key = `${id}/${which}`;
  let buf = ctx.thumbs.get(key);
  if (!buf) {
    buf = await sharp(found.file).resize({ width: 256, height: 256, fit: 'inside' }).webp({ quality: 80 }).toBuffer().catch(() => undefined);
    if (!buf) { notFound(res); return; }
    ctx.thumbs.set(key, buf);
    if (ctx.thumbs.size > THUMB_CACHE) ctx.thumbs.delete(ctx.thumbs.keys().next().value!);
  }
  res.writeHead(200, { 'content-type': 'image/webp', 'content-length': buf.length, 'cache-control': 'max-age=3600' });
  res.end(buf);
}

/** A failed request: 400 for a bad one, one log line and a short 500 for a damaged manifest, a stack for a bug. */
function failed(res: http.ServerResponse, e: unknown): void {
  if (e instanceof BadRequest || e instanceof UsageError) json(res, 400, { error: e.message });
  else if (e instanceof InputError) {
    json(res, 500, { error: 'the dataset manifest cannot be read; see the server log' });
    process.stderr.write(`uir serve: ${e.message.split('\n')[0]}\n`);
  } else { json(res, 500, { error: 'internal error' }); process.stderr.write(`uir serve: ${(e as Error).stack}\n`); }
}

async function route(ctx: Ctx, hosts: (h: string | undefined) => boolean, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    // DNS rebinding: a page on another site that resolves its own name to 127.0.0.1 still sends its name
    if (!hosts(req.headers.host)) { json(res, 421, { error: 'misdirected request: unknown Host' }); return; }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method !== 'GET' && req.method !== 'HEAD') json(res, 405, { error: 'only GET' });
    else if (url.pathname === '/' || url.pathname === '/index.html') { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end(PAGE_HTML); }
    else if (parts[0] === 'api') await api(ctx, parts, url, res);
    else if ((parts[0] === 'image' || parts[0] === 'thumb') && parts.length === 3) await image(ctx, parts, res);
    else notFound(res);
  } catch (e) {
    failed(res, e);
  }
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const dbFile = manifestPath(o.data);
  if (!existsSync(dbFile)) throw new InputError(`${dbFile}: no manifest here (build one with \`uir build-dataset\`)`);
  const store = ManifestStore.openReader(o.data);
  try { store.probe(); } catch (e) { await store.close(); throw e instanceof InputError ? e : new InputError(`${dbFile}: not a readable manifest (${(e as Error).message})`); }
  // where served files may live: the dataset folder, and the folders `uir ingest` indexed in place
  const roots = await Promise.all([o.data, ...store.ingestRoots()].map((d) => fs.realpath(d).catch(() => null)));
  const ctx: Ctx = { o, store, allowed: roots.filter((r): r is string => r !== null), thumbs: new Map() };
  const hosts = allowedHosts(o.host);
  const server = http.createServer((req, res) => { void route(ctx, hosts, req, res); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot listen on ${o.host}:${o.port} (${e.code === 'EADDRINUSE' ? 'the port is in use; pick another with {port}' : e.message})`)));
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as { port: number };
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${addr.port}/`,
    close: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => { void store.close().then(() => r()); }); }),
  };
}

/** The first bytes of a file (enough to tell image formats apart). */
async function readHead(file: string): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try { const b = Buffer.alloc(16); const { bytesRead } = await fh.read(b, 0, 16, 0); return b.subarray(0, bytesRead); } finally { await fh.close(); }
}

/** The image type of a file's first bytes (magic numbers), as a MIME type, or null. */
export function sniff(b: Buffer): string | null {
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 4 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*')) return 'image/tiff';
  if (b.length >= 2 && b.toString('latin1', 0, 2) === 'BM') return 'image/bmp';
  return null;
}

/** Host header names this server answers to: loopback names and the --host it was given (any port). */
export function allowedHosts(bind: string): (header: string | undefined) => boolean {
  const names = new Set(['localhost', '127.0.0.1', '::1', bind.toLowerCase().replace(/^\[|\]$/g, '')]);
  return (header) => {
    if (!header) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header.trim().toLowerCase());
    if (!m) return false;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    return names.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name) || name.endsWith('.localhost');
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
