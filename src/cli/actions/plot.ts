/** `uir plot RUN`: the curves of RUN/metrics.jsonl (loss, L1, focal, accuracy) as a PNG, drawn as SVG by sharp. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { InputError } from '../../errors.js';
import { writeFileAtomic } from '../../io/image-io.js';

export function curvesSvg(points: Record<string, number>[], keys: string[], title: string): string {
  const W = 900, panelH = 200, pad = 48;
  const H = keys.length * (panelH + 30) + 40;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#ffffff"/>`;
  svg += `<text x="${pad}" y="26" font-family="DejaVu Sans, sans-serif" font-size="18">${esc(title)}</text>`;
  keys.forEach((k, i) => {
    const pts = points.filter((p) => Number.isFinite(p[k]));
    const top = 40 + i * (panelH + 30);
    const xs = pts.map((p) => p.step ?? 0), ys = pts.map((p) => p[k]!);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
    const X = (v: number): number => pad + ((W - 2 * pad) * (v - x0)) / (x1 - x0), Y = (v: number): number => top + panelH - (panelH * (v - y0)) / (y1 - y0);
    svg += `<rect x="${pad}" y="${top}" width="${W - 2 * pad}" height="${panelH}" fill="none" stroke="#bbb"/>`;
    svg += `<text x="${pad + 6}" y="${top + 16}" font-family="DejaVu Sans, sans-serif" font-size="13">${esc(k)}: ${ys.length ? `${ys[ys.length - 1]!.toPrecision(4)} at step ${xs[xs.length - 1]}` : 'no data'}</text>`;
    svg += `<text x="4" y="${top + 10}" font-family="DejaVu Sans, sans-serif" font-size="11">${y1.toPrecision(3)}</text><text x="4" y="${top + panelH}" font-family="DejaVu Sans, sans-serif" font-size="11">${y0.toPrecision(3)}</text>`;
    if (pts.length > 1) svg += `<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${pts.map((p) => `${X(p.step ?? 0).toFixed(1)},${Y(p[k]!).toFixed(1)}`).join(' ')}"/>`;
  });
  return svg + '</svg>';
}

export async function plotCommand(a: { run: string; output?: string }): Promise<void> {
  const file = path.join(a.run, 'metrics.jsonl');
  let text: string;
  try { text = await fs.readFile(file, 'utf8'); } catch { throw new InputError(`${file}: no metrics here (a run folder of uir train or finetune)`); }
  const points = text.split('\n').filter(Boolean).map((l, i) => { try { return JSON.parse(l) as Record<string, number>; } catch { throw new InputError(`${file}:${i + 1}: not a JSON line`); } });
  if (points.length === 0) throw new InputError(`${file}: empty`);
  const keys = ['loss', 'l1', 'focal', 'acc'].filter((k) => points.some((p) => Number.isFinite(p[k])));
  const out = a.output ?? path.join(a.run, 'curves.png');
  await writeFileAtomic(out, await sharp(Buffer.from(curvesSvg(points, keys, path.basename(path.resolve(a.run))))).png().toBuffer());
  process.stdout.write(`${points.length} points -> ${out}\n`);
}
