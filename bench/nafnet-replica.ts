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

export interface BenchNetOptions { width: number }

/** The spec workers build this replica from. */
export function benchSpec(width: number): ModuleReplicaSpec {
  return { kind: 'module', module: import.meta.url, options: { width } satisfies BenchNetOptions };
}

export function buildReplica(options: unknown, seed: number | string = 0): Replica {
  const { width } = options as BenchNetOptions;
  const net = new Nafnet({ width, encBlocks: [1, 1, 1, 1], middleBlocks: 1, decBlocks: [1, 1, 1, 1] }, seed);
  const head = new ParamStore(new Rng('bench-head'));
  head.uniform('weight', [width, 19], width); head.uniform('bias', [19], width);
  const vars = new Map<string, tf.Variable>([...net.params.vars, ...[...head.vars].map(([k, v]) => [`head.${k}`, v] as [string, tf.Variable])]);
  return {
    vars,
    loss(b, stats) {
      const x = tf.tensor4d(b.lq, [b.n, b.height, b.width, 3]), y = tf.tensor4d(b.gt, [b.n, b.height, b.width, 3]);
      const onehot = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 19);
      const { out, last } = net.forward(x);
      const logits = tf.add(tf.matMul(tf.mean(last, [1, 2]) as tf.Tensor2D, head.get('weight') as tf.Tensor2D), head.get('bias'));
      const l1 = tf.mean(tf.abs(tf.sub(out, y))), ce = tf.losses.softmaxCrossEntropy(onehot, logits);
      const total = tf.add(l1, ce) as tf.Scalar;
      stats.l1 += l1.dataSync()[0]! * b.n; stats.focal += ce.dataSync()[0]! * b.n;
      return total;
    },
    dispose() { net.params.dispose(); head.dispose(); },
  };
}
