/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over named variables. On the wasm and webgpu backends the update
 * is a fused kernel per parameter (one SIMD pass, or three WGSL dispatches; moments in place); elsewhere it is
 * written with tf ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelsActive } from './kernels/fused.js';

export interface AdamWOptions { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }

export class AdamW {
  step = 0;
  readonly m = new Map<string, tf.Tensor>();
  readonly v = new Map<string, tf.Tensor>();
  beta1: number; beta2: number; eps: number; weightDecay: number;
  constructor(public lr: number | ((name: string) => number), o: Omit<AdamWOptions, 'lr'> = {}) {
    this.beta1 = o.beta1 ?? 0.9; this.beta2 = o.beta2 ?? 0.999; this.eps = o.eps ?? 1e-8; this.weightDecay = o.weightDecay ?? 0;
  }

  private lrFor(name: string): number { return typeof this.lr === 'function' ? this.lr(name) : this.lr; }

  apply(vars: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.step++;
    const bc1 = 1 - this.beta1 ** this.step, bc2 = 1 - this.beta2 ** this.step;
    for (const [name, p] of vars) {
      const g = grads[p.name];
      if (!g) continue;
      if (!this.m.has(name)) { this.m.set(name, tf.keep(tf.zerosLike(p))); this.v.set(name, tf.keep(tf.zerosLike(p))); }
      const m = this.m.get(name)!, v = this.v.get(name)!;
      const lr = this.lrFor(name);
      if (fusedKernelsActive()) {
        const next = tf.engine().runKernel('UirAdamW', { p, g, m, v }, { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, bc1, bc2 }) as tf.Tensor;
        p.assign(next);
        next.dispose();
        continue;
      }
      tf.tidy(() => {
        const m2 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v2 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const upd = tf.add(tf.div(tf.div(m2, bc1), tf.add(tf.sqrt(tf.div(v2, bc2)), this.eps)), tf.mul(p, this.weightDecay));
        p.assign(tf.sub(p, tf.mul(upd, lr)));
        this.m.set(name, tf.keep(m2)); this.v.set(name, tf.keep(v2));
        m.dispose(); v.dispose();
      });
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear(); this.v.clear();
  }
}
