/** `uir train` and `uir finetune`: the command line's flags as a training configuration (src/model/config.ts). */
import { train } from '../../model/train.js';
import type { TrainingInput } from '../../model/config.js';
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

export interface TrainFlags {
  objective: 'pretrain' | 'finetune'; data: string; out: string; arch: string; steps: number; batch?: number; patch?: number; seed?: number;
  split: string; type?: string[]; repeat?: string; balance: boolean; lrEncoder: number; lrDecoder: number; ckptEvery: number; resume: boolean;
  backend: string; threads?: number; progress: string; maskRatio?: number; maskPatch?: number; init?: string; ema?: number;
}

export async function trainCommand(a: TrainFlags): Promise<void> {
  const log = (l: string): void => { process.stderr.write(l + '\n'); };
  const config = {
    objective: a.objective, data: a.data, out: a.out, arch: a.arch, steps: a.steps, batch: a.batch, patch: a.patch, seed: a.seed,
    split: a.split, types: a.type?.flatMap((t) => t.split(',')), repeat: parseRepeat(a.repeat), balance: a.balance,
    lrEncoder: a.lrEncoder, lrDecoder: a.lrDecoder, ckptEvery: a.ckptEvery, resume: a.resume, backend: a.backend, threads: a.threads,
    progress: a.progress, maskRatio: a.maskRatio, maskPatch: a.maskPatch, init: a.init, ema: a.ema,
  };
  // flags left out stay out, so the configuration's defaults and a resumed run's recorded settings apply
  const given = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as TrainingInput;
  const r = await train(given, log);
  process.stdout.write(`trained to step ${r.step}: loss ${r.loss.toFixed(4)}, batch accuracy ${(100 * r.acc).toFixed(0)}%; checkpoint ${r.checkpoint}\n`);
}
