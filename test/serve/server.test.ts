/** `uir serve` over real HTTP on loopback: JSON endpoints, filters, paging, thumbnails, and refused traversal. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import sharp from 'sharp';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { ROOT, tempDir, uir } from '../helpers.js';

let data = '', runs = '';
let srv: RunningServer;

function get(p: string, o: { host?: string; server?: RunningServer } = {}): Promise<{ status: number; type: string; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    // raw request so that '..' segments reach the server unnormalised
    const u = new URL((o.server ?? srv).url);
    const req = http.request({ host: u.hostname, port: u.port, path: p, method: 'GET', headers: o.host !== undefined ? { host: o.host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
const getJson = async (p: string): Promise<{ status: number; json: any }> => { const r = await get(p); return { status: r.status, json: JSON.parse(r.body.toString()) }; };

beforeAll(async () => {
  const base = await tempDir();
  data = path.join(base, 'data');
  const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', data, '--progress', 'none']);
  expect(r.code, r.stderr).toBe(0);
  runs = path.join(base, 'runs');
  await fs.mkdir(path.join(runs, 'pretrain'), { recursive: true });
  await fs.writeFile(path.join(runs, 'pretrain', 'metrics.jsonl'), [0, 10, 20].map((s) => JSON.stringify({ step: s, loss: 1 / (s + 1), acc: s / 20 })).join('\n') + '\n');
  srv = await startServer({ data, port: 0, host: '127.0.0.1', runs });
});
afterAll(async () => { await srv?.close(); });

describe('uir serve', () => {
  it('serves the page and the stats', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toMatch(/<title>uir dataset<\/title>/);
    const { json } = await getJson('/api/stats');
    expect(json.pairs).toBe(50);
    expect(json.byType).toHaveLength(5);
    expect(json.types).toHaveLength(19);
  });

  it('filters and pages pairs', async () => {
    const all = (await getJson('/api/pairs?per=20')).json;
    expect(all.total).toBe(50);
    expect(all.rows).toHaveLength(20);
    const p2 = (await getJson('/api/pairs?per=20&page=2')).json;
    expect(p2.rows).toHaveLength(10);
    const haze = (await getJson('/api/pairs?type=haze&split=train')).json;
    for (const r of haze.rows) { expect(r.type).toBe('haze'); expect(r.split).toBe('train'); }
    const lvl = haze.rows[0].level;
    const one = (await getJson(`/api/pairs?type=haze&level=${lvl}`)).json;
    expect(one.rows.every((r: { level: number }) => r.level === lvl)).toBe(true);
    expect((await getJson('/api/pairs?real=real')).json.total).toBe(0);
    const pair = (await getJson(`/api/pair/${all.rows[0].id}`)).json;
    expect(pair.params).toBeTypeOf('object');
    expect(pair.lq_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('makes thumbnails and serves full-resolution files of manifest pairs', async () => {
    const id = (await getJson('/api/pairs?per=1')).json.rows[0].id;
    const t = await get(`/thumb/${id}/lq`);
    expect(t.status).toBe(200);
    expect(t.type).toBe('image/webp');
    const meta = await sharp(t.body).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
    const full = await get(`/image/${id}/gt`);
    expect(full.type).toBe('image/png');
    expect((await sharp(full.body).metadata()).width).toBe(256);
  });

  it('answers bad query values with 400 and a message', async () => {
    const bad = [['/api/pairs?level=abc', /level: expected an integer/], ['/api/pairs?type=fog', /type: unknown type 'fog'/], ['/api/pairs?split=training', /split: expected train, val or test/], ['/api/pairs?per=5000', /per: expected an integer 1-200/], ['/api/pairs?real=maybe', /real: expected real or synthetic/]] as const;
    for (const [url, msg] of bad) {
      const r = await getJson(url);
      expect(r.status, url).toBe(400);
      expect(r.json.error).toMatch(msg);
    }
  });

  it('refuses path traversal and anything the manifest does not reference', async () => {
    for (const p of ['/../../etc/passwd', '/image/..%2F..%2F..%2Fetc%2Fpasswd/lq', '/image/%2Fetc%2Fpasswd/gt', '/thumb/x/../../../etc/passwd', '/etc/passwd', '/image/nope/lq', '/image/' + encodeURIComponent(path.join(data, 'manifest.sqlite')) + '/lq', '/manifest.sqlite', '/api/runs/..%2F..%2Fetc']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toMatch(/root:/);
    }
  });

  it('serves only regular image files inside the dataset: a pair file replaced by a symlink to /etc/passwd, an absolute path written into the manifest, or bytes that are not the claimed image are 404', async () => {
    const copy = path.join(await tempDir(), 'data');
    await fs.cp(data, copy, { recursive: true });
    const Database = (await import('better-sqlite3')).default;
    const d = new Database(path.join(copy, 'manifest.sqlite'));
    const rows = d.prepare("SELECT id, lq_path, gt_path FROM pairs WHERE status = 'done' ORDER BY id LIMIT 4").all() as { id: string; lq_path: string; gt_path: string }[];
    const [a, b, c, ok] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]];
    // a: its LQ file becomes a symlink to /etc/passwd; b: its row points at /etc/passwd; c: its file holds text
    await fs.rm(path.join(copy, a.lq_path));
    await fs.symlink('/etc/passwd', path.join(copy, a.lq_path));
    d.prepare('UPDATE pairs SET lq_path = ? WHERE id = ?').run('/etc/passwd', b.id);
    d.prepare('UPDATE pairs SET gt_path = ? WHERE id = ?').run('../../../../../../etc/hostname', c.id);
    await fs.writeFile(path.join(copy, c.lq_path), 'not a png at all');
    d.close();
    const s2 = await startServer({ data: copy, port: 0, host: '127.0.0.1' });
    try {
      for (const p of [`/image/${a.id}/lq`, `/thumb/${a.id}/lq`, `/image/${b.id}/lq`, `/thumb/${b.id}/lq`, `/image/${c.id}/lq`, `/image/${c.id}/gt`]) {
        const r = await get(p, { server: s2 });
        expect(r.status, p).toBe(404);
        expect(r.body.toString()).not.toMatch(/root:/);
      }
      expect((await get(`/image/${ok.id}/lq`, { server: s2 })).status).toBe(200);
    } finally { await s2.close(); }
  });

  it('checks the Host header (loopback names and --host; 421 otherwise) against DNS rebinding, and sends no CORS headers', async () => {
    const port = new URL(srv.url).port;
    for (const h of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, `uir.localhost:${port}`]) expect((await get('/api/stats', { host: h })).status, h).toBe(200);
    for (const h of [`evil.example:${port}`, 'attacker.com', `192.168.1.10:${port}`, `127.0.0.1.evil.example:${port}`]) {
      const r = await get('/api/stats', { host: h });
      expect(r.status, h).toBe(421);
      expect(r.body.toString()).not.toMatch(/pairs/);
    }
    // HTTP/1.0 without a Host header at all
    const net = await import('node:net');
    const raw = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write('GET /api/stats HTTP/1.0\r\n\r\n'));
      let text = '';
      sock.on('data', (c) => { text += String(c); });
      sock.on('end', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 421/);
    const r = await get('/api/stats');
    expect(Object.keys(r.headers).filter((k) => k.startsWith('access-control'))).toEqual([]);
  });

  it('a manifest damaged while serving gives a short JSON error and one log line, no stack', async () => {
    const copy = path.join(await tempDir(), 'data');
    await fs.cp(data, copy, { recursive: true });
    const Database = (await import('better-sqlite3')).default;
    const d = new Database(path.join(copy, 'manifest.sqlite'));
    const root = (d.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_pairs_1'").get() as { rootpage: number }).rootpage;
    const pageSize = d.pragma('page_size', { simple: true }) as number;
    const id = (d.prepare('SELECT id FROM pairs LIMIT 1').get() as { id: string }).id;
    d.pragma('journal_mode = DELETE');
    d.close();
    // overwrite the primary-key index's root page: the pairs table itself still reads
    const fh = await fs.open(path.join(copy, 'manifest.sqlite'), 'r+');
    await fh.write(Buffer.alloc(pageSize, 0x5a), 0, pageSize, (root - 1) * pageSize);
    await fh.close();
    const s2 = await startServer({ data: copy, port: 0, host: '127.0.0.1' });
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string | Uint8Array) => { lines.push(String(c)); return true; }) as typeof process.stderr.write;
    try {
      const r = await get(`/api/pair/${id}`, { server: s2 });
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body.toString())).toEqual({ error: 'the dataset manifest cannot be read; see the server log' });
    } finally { process.stderr.write = write; await s2.close(); }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^uir serve: .*manifest\.sqlite: the manifest is damaged \(.*malformed.*\); `uir manifest verify`/);
    expect(lines[0]!.trim().split('\n')).toHaveLength(1);
  });

  it('lists training runs and their metrics', async () => {
    const { json } = await getJson('/api/runs');
    expect(json.runs).toEqual([{ name: 'pretrain', points: 3 }]);
    expect((await getJson('/api/runs/pretrain')).json.points[2]).toEqual({ step: 20, loss: 1 / 21, acc: 1 });
  });

  it('reports a missing or corrupt manifest at start-up in one line', async () => {
    const empty = await tempDir();
    const r = await uir(['serve', empty, '--port', '0']);
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toMatch(/manifest\.sqlite: no manifest here/);
    await fs.writeFile(path.join(empty, 'manifest.sqlite'), 'garbage');
    const c = await uir(['serve', empty, '--port', '0']);
    expect(c.code).toBe(4);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
  });
});
