/**
 * `uir eval`: PSNR and SSIM (paper conventions, src/metrics/quality.ts) per type and averaged, as a table and JSON.
 * With --model each LQ image is restored first (EMA weights when the checkpoint has them); without, it scores the
 * degraded inputs themselves (the "input" row every restoration paper reports, and a check of a dataset's severities).
 * With --lq alone (no clean references: real-world photos) it reports PIQE, the no-reference score the paper uses.
 */
import path from 'node:path';
import { readImage, imagesByName } from '../../io/image-io.js';
import { psnr, ssim } from '../../metrics/quality.js';
import { piqe } from '../../metrics/piqe.js';
import { ManifestStore } from '../../manifest/store.js';
import { resolveStored } from '../../manifest/queries.js';
import { InputError, UsageError } from '../../errors.js';
import { Progress } from '../../progress.js';

export interface EvalOptions {
  lq?: string; gt?: string; data?: string; split?: string; model?: string; json: boolean; limit?: number;
  backend?: import('../../model/backend.js').BackendChoice; tile?: number; overlap?: number; memoryLimit?: string;
  progress?: 'auto' | 'bar' | 'plain' | 'none';
}

type Restorer = (img: import('../../image.js').Image, name: string) => Promise<import('../../image.js').Image>;

/** With --model: each image restored whole when it fits (MaskDCPT's test protocol), else in tiles; the policy is told once. */
async function makeRestorer(o: EvalOptions): Promise<{ restore: Restorer; dispose(): void } | null> {
  if (!o.model) return null;
  const { selectBackend } = await import('../../model/backend.js');
  const { loadCheckpoint } = await import('../../model/checkpoint.js');
  const { planRestore, restoreImage, describeRestorePlan } = await import('../../model/restore.js');
  const { parseBytes } = await import('../../model/memory.js');
  const memoryLimit = o.memoryLimit !== undefined ? parseBytes(o.memoryLimit, '--memory-limit') : undefined;
  await selectBackend(o.backend ?? 'auto', (l) => process.stderr.write(l + '\n'));
  const { model } = await loadCheckpoint(o.model, { ema: true });
  const told = new Set<string>();
  return {
    restore: async (img, name) => {
      const plan = await planRestore(model, img.width, img.height, { tile: o.tile, overlap: o.overlap, memoryLimit }, name);
      const key = plan.mode === 'whole' ? 'whole' : `${plan.tile}/${plan.overlap}`;
      if (!told.has(key)) { told.add(key); process.stderr.write(`eval: ${path.basename(name)}: ${describeRestorePlan(plan)}\n`); }
      return restoreImage(model, img, plan, name);
    },
    dispose: () => model.dispose(),
  };
}

interface Item { group: string; lq: string; gt: string }

export async function evalCommand(o: EvalOptions): Promise<void> {
  const restorer = await makeRestorer(o);
  try { await evaluate(o, restorer?.restore ?? null); } finally { restorer?.dispose(); }
}

async function evaluate(o: EvalOptions, restore: Restorer | null): Promise<void> {
  const items: Item[] = [];
  if (o.data) {
    if (o.lq || o.gt) throw new UsageError('give either --data or --lq/--gt, not both');
    const store = ManifestStore.openReader(o.data);
    try {
      const rows = store.queryPairs({ split: o.split ? [o.split] : undefined }, o.limit);
      if (rows.length === 0) throw new InputError(`${o.data}: no done pairs${o.split ? ` in split '${o.split}'` : ''}`);
      for (const r of rows) items.push({ group: r.type, lq: resolveStored(o.data, r.lq_path), gt: resolveStored(o.data, r.gt_path) });
    } finally { await store.close(); }
  } else if (o.lq && !o.gt) {
    return noReference(o, o.lq, restore);
  } else {
    if (!o.lq || !o.gt) throw new UsageError('give --lq DIR and --gt DIR (pairs matched by file name), --lq DIR alone (PIQE), or --data DIR');
    const lq = await imagesByName(o.lq, '--lq'), gt = await imagesByName(o.gt, '--gt');
    const group = groupName(o.lq);
    for (const [name, f] of lq) { const g = gt.get(name); if (g) items.push({ group, lq: f, gt: g }); }
    if (items.length === 0) throw new InputError(`no file names in common between ${o.lq} and ${o.gt}`);
  }
  const groups = new Map<string, { psnr: number; ssim: number; n: number }>();
  const todo = items.slice(0, o.limit ?? items.length);
  const progress = new Progress('eval', todo.length, Progress.modeFor(process.stderr, o.progress), 'images');
  for (const [i, it] of todo.entries()) {
    const [a, b] = await Promise.all([readImage(it.lq), readImage(it.gt)]);
    if (restore) a.image = await restore(a.image, it.lq);
    progress.update(i + 1);
    if (a.image.width !== b.image.width || a.image.height !== b.image.height) throw new InputError(`${it.lq}: ${a.image.width}x${a.image.height} differs from ${it.gt} (${b.image.width}x${b.image.height})`);
    const g = groups.get(it.group) ?? { psnr: 0, ssim: 0, n: 0 };
    g.psnr += Math.min(100, psnr(a.image, b.image)); g.ssim += ssim(a.image, b.image); g.n++;
    groups.set(it.group, g);
  }
  progress.finish(todo.length);
  const rows = [...groups].map(([group, g]) => ({ group, n: g.n, psnr: g.psnr / g.n, ssim: g.ssim / g.n }));
  const mean = { group: 'average', n: rows.reduce((s, r) => s + r.n, 0), psnr: rows.reduce((s, r) => s + r.psnr, 0) / rows.length, ssim: rows.reduce((s, r) => s + r.ssim, 0) / rows.length };
  if (o.json) { process.stdout.write(JSON.stringify({ model: o.model ?? null, scored: o.model ? 'restored' : 'inputs', rows, average: mean }, null, 2) + '\n'); return; }
  const w = Math.max(7, ...rows.map((r) => r.group.length));
  process.stdout.write(`${'group'.padEnd(w)}  pairs   PSNR     SSIM\n`);
  for (const r of [...rows, mean]) process.stdout.write(`${r.group.padEnd(w)}  ${String(r.n).padStart(5)}  ${r.psnr.toFixed(2).padStart(6)}  ${r.ssim.toFixed(4)}\n`);
}

/** PIQE (0 best, 100 worst) of every image in a folder, or of its restoration with --model. */
async function noReference(o: EvalOptions, dir: string, restore: Restorer | null): Promise<void> {
  const files = [...(await imagesByName(dir, '--lq')).values()].slice(0, o.limit);
  const scores: { file: string; piqe: number }[] = [];
  const progress = new Progress('eval', files.length, Progress.modeFor(process.stderr, o.progress), 'images');
  for (const f of files) {
    let { image } = await readImage(f);
    if (restore) image = await restore(image, f);
    progress.update(scores.length + 1);
    scores.push({ file: path.basename(f), piqe: piqe(image).score });
  }
  progress.finish(files.length);
  const mean = scores.reduce((a, b) => a + b.piqe, 0) / scores.length;
  if (o.json) { process.stdout.write(JSON.stringify({ model: o.model ?? null, scored: o.model ? 'restored' : 'inputs', metric: 'PIQE', images: scores, average: mean }, null, 2) + '\n'); return; }
  const group = groupName(dir);
  process.stdout.write(`${'group'.padEnd(Math.max(7, group.length))}  images   PIQE (no reference, lower is better)\n`);
  process.stdout.write(`${group.padEnd(Math.max(7, group.length))}  ${String(scores.length).padStart(6)}  ${mean.toFixed(2).padStart(6)}\n`);
}

/** A folder's name for tables: the data set's name for the usual 'lq'-style subfolders (Rain100L/lq -> Rain100L). */
function groupName(dir: string): string {
  const abs = path.resolve(dir);
  return ['lq', 'input', 'inputs', 'noisy', 'rainy'].includes(path.basename(abs).toLowerCase()) ? path.basename(path.dirname(abs)) : path.basename(abs);
}
