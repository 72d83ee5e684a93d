/**
 * bench:train's network as a data-parallel replica: the NAFNet of ../shared/bench/torch_nafnet_bench.py (4 levels x 1
 * block) with a 19-way head on its pooled last features, L1 + cross-entropy. Loaded by each worker through a
 * `{ kind: 'module' }` replica spec (src/model/replica.ts), so the library holds no bench-only model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Nafnet } from '../src/model/archs/nafnet.js';
import { ParamStore } from '../src/model/params.js';
import type { Replica, ModuleReplicaSpec } from '../src/model/replica.js';
import { Rng } from '../src/rng.js';

/** Width, and block counts as torch_nafnet_bench.py's BLOCKS argument (default 1,1,1,1/1/1,1,1,1). */
export interface BenchNetOptions { width: number; blocks?: { enc: number[]; middle: number; dec: number[] } }

/** torch_nafnet_bench.py's BLOCKS text ("1,1,1,28/1/1,1,1,1") as block counts. */
export function parseBlocks(text: string): NonNullable<BenchNetOptions['blocks']> {
  const [enc, mid, dec] = text.split('/');
  const list = (s: string | undefined): number[] => (s ?? '').split(',').map(Number);
  const b = { enc: list(enc), middle: Number(mid), dec: list(dec) };
  if (b.enc.length !== 4 || b.dec.length !== 4 || ![...b.enc, b.middle, ...b.dec].every((n) => Number.isInteger(n) && n >= 0)) throw new Error(`--blocks: expected ENC/MID/DEC such as 1,1,1,28/1/1,1,1,1, received ${text}`);
  return b;
}

/** The spec workers build this replica from. */
export function benchSpec(width: number, blocks?: BenchNetOptions['blocks']): ModuleReplicaSpec {
  return { kind: 'module', module: import.meta.url, options: { width, blocks } satisfies BenchNetOptions };
}

export function buildReplica(options: unknown, seed: number | string = 0): Replica {
  const { width, blocks } = options as BenchNetOptions;
  const net = new Nafnet({ width, encBlocks: blocks?.enc ?? [1, 1, 1, 1], middleBlocks: blocks?.middle ?? 1, decBlocks: blocks?.dec ?? [1, 1, 1, 1] }, seed);
  const head = new ParamStore(new Rng('bench-head'));
  head.uniform('weight', [width, 19], width); head.uniform('bias', [19], width);
  const vars = new Map<string, tf.Variable>([...net.params.vars, ...[...head.vars].map(([k, v]) => [`head.${k}`, v] as [string, tf.Variable])]);
  return {
    vars,
    loss(b, stats, later) {
      const x = tf.tensor4d(b.lq, [b.n, b.height, b.width, 3]), y = tf.tensor4d(b.gt, [b.n, b.height, b.width, 3]);
      const onehot = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 19);
      const { out, last } = net.forward(x);
      const logits = tf.add(tf.matMul(tf.mean(last, [1, 2]) as tf.Tensor2D, head.get('weight') as tf.Tensor2D), head.get('bias'));
      const l1 = tf.mean(tf.abs(tf.sub(out, y))), ce = tf.losses.softmaxCrossEntropy(onehot, logits);
      const total = tf.add(l1, ce) as tf.Scalar;
      later(l1, (v) => { stats.l1 += v[0]! * b.n; });
      later(ce, (v) => { stats.focal += v[0]! * b.n; });
      return total;
    },
    dispose() { net.params.dispose(); head.dispose(); },
  };
}
