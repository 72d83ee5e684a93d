/** `uir preview`: a contact sheet, one row per type, one column per level, with the clean image first. */
import sharp, { type OverlayOptions } from 'sharp';
import { OPERATORS, getOperator } from '../../degradations/index.js';
import { degrade } from '../../degrade.js';
import { readImage, formatFromPath, writeFileAtomic } from '../../io/image-io.js';
import { resize } from '../../imgproc/resize.js';
import { toUint8, type Image } from '../../image.js';
import { UsageError } from '../../errors.js';
import { parseSeed } from '../files.js';

export interface PreviewOptions { input: string; output: string; types?: string[]; columns: number; cell: number; seed: string }

/** Levels shown when a type has more than `columns`: evenly spaced, first and last included. */
export function pickLevels(count: number, columns: number): number[] {
  if (count <= columns) return Array.from({ length: count }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let k = 0; k < columns; k++) out.add(Math.round(1 + (k * (count - 1)) / (columns - 1)));
  return [...out];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export async function previewCommand(o: PreviewOptions): Promise<void> {
  if (!Number.isInteger(o.columns) || o.columns < 2 || o.columns > 40) throw new UsageError(`--columns: expected integer 2-40, received ${o.columns}`);
  if (!Number.isInteger(o.cell) || o.cell < 32 || o.cell > 1024) throw new UsageError(`--cell: expected integer 32-1024, received ${o.cell}`);
  const format = formatFromPath(o.output);
  const names = (o.types ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const ops = names.length ? names.map(getOperator) : OPERATORS;
  const seed = parseSeed(o.seed);
  const { image: full } = await readImage(o.input);
  const s = o.cell / Math.min(full.width, full.height);
  const img: Image = resize(full, Math.max(8, Math.round(full.width * s)), Math.max(8, Math.round(full.height * s)), 'area');
  const w = img.width, h = img.height, gap = 4, caption = 20, labelW = 210;
  const cols = 1 + Math.max(...ops.map((op) => pickLevels(op.levels.length, o.columns).length));
  const rowH = h + caption + gap;
  const W = labelW + cols * (w + gap) + gap, H = gap + ops.length * rowH;

  const composites: OverlayOptions[] = [];
  const texts: string[] = [];
  const place = (cell: Image, col: number, row: number, label: string): void => {
    const left = labelW + gap + col * (w + gap), top = gap + row * rowH;
    composites.push({ input: Buffer.from(toUint8(cell)), raw: { width: cell.width, height: cell.height, channels: 3 }, left, top });
    texts.push(`<text x="${left + 4}" y="${top + h + 15}" class="c">${esc(label)}</text>`);
  };
  for (let r = 0; r < ops.length; r++) {
    const op = ops[r]!;
    const top = gap + r * rowH;
    texts.push(`<text x="8" y="${top + h / 2}" class="t">${esc(op.id)}</text><text x="8" y="${top + h / 2 + 20}" class="c">${esc(op.code)} · ${op.levels.length} levels</text>`);
    place(img, 0, r, 'clean');
    const levels = pickLevels(op.levels.length, o.columns);
    for (let c = 0; c < levels.length; c++) {
      const { image } = await degrade(img, op, levels[c]!, seed);
      place(image, c + 1, r, `L${levels[c]}`);
    }
    if (process.stderr.isTTY) process.stderr.write(`\rpreview: ${r + 1}/${ops.length} ${op.id}        `);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const svg = `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><style>.t{font:bold 17px 'DejaVu Sans',sans-serif;fill:#eee}.c{font:13px 'DejaVu Sans',sans-serif;fill:#bbb}</style>${texts.join('')}</svg>`;
  composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
  // the SVG overlay makes the composite RGBA; the sheet is opaque, so drop alpha before encoding (halves the PNG)
  const { data, info } = await sharp({ create: { width: W, height: H, channels: 3, background: '#1b1b1b' } }).composite(composites).raw().toBuffer({ resolveWithObject: true });
  let sheet = sharp(data, { raw: info }).removeAlpha();
  sheet = format === 'jpeg' ? sheet.jpeg({ quality: 92 }) : format === 'webp' ? sheet.webp({ quality: 92 }) : sheet.png({ compressionLevel: 9 });
  await writeFileAtomic(o.output, await sheet.toBuffer());
}
