/** `uir train` and `uir finetune`: thin wrappers over src/model (loaded only when these commands run). */
import { train } from '../../model/train.js';
import type { BackendChoice } from '../../model/backend.js';
import { UsageError } from '../../errors.js';

export function parseRepeat(spec: string | undefined): Record<string, number> | undefined {
  if (!spec) return undefined;
  const out: Record<string, number> = {};
  for (const part of spec.split(',')) {
    const m = /^([\w-]+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m || Number(m[2]) <= 0) throw new UsageError(`--repeat: expected type=factor,... such as haze=1,rain-streak=300, received '${part}'`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

export async function trainCommand(a: Record<string, unknown>): Promise<void> {
  const log = (l: string): void => { process.stderr.write(l + '\n'); };
  const r = await train({
    manifest: String(a.manifest), out: String(a.out), arch: String(a.arch), steps: Number(a.steps), batch: num(a.batch), patch: num(a.patch),
    seed: num(a.seed), split: String(a.split), types: (a.type as string[] | undefined)?.flatMap((t) => t.split(',')), repeat: parseRepeat(a.repeat as string | undefined),
    balance: Boolean(a.balance), lrEncoder: Number(a['lr-encoder']), lrDecoder: Number(a['lr-decoder']), ckptEvery: Number(a['ckpt-every']), resume: Boolean(a.resume),
    backend: a.backend as BackendChoice, maskRatio: num(a['mask-ratio']), maskPatch: num(a['mask-patch']), progress: a.progress as 'auto',
    finetune: a.init ? { init: String(a.init), ema: Number(a.ema ?? 0.999) } : undefined,
    threads: a.threads === undefined ? undefined : Number(a.threads),
  }, log);
  process.stdout.write(`trained to step ${r.step}: loss ${r.loss.toFixed(4)}, batch accuracy ${(100 * r.acc).toFixed(0)}%; checkpoint ${r.checkpoint}\n`);
}
