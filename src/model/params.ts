/** Named trainable parameters with PyTorch-style names and seeded PyTorch-default initialisation. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.js';

let nextId = 0;

export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  constructor(private rng: Rng) {}

  /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): what nn.Conv2d / nn.Linear draw for weights (kaiming_uniform a=sqrt 5) and biases. */
  uniform(name: string, shape: number[], fanIn: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    const n = shape.reduce((a, b) => a * b, 1);
    const r = this.rng.fork(name);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (r.next() * 2 - 1) * bound;
    return this.add(name, tf.tensor(data, shape));
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value));
  }

  private add(name: string, t: tf.Tensor): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter ${name}`);
    // tfjs keeps variables by name engine-wide: suffix a counter so several models can coexist
    const v = tf.variable(t, true, `${name}#${nextId++}`);
    t.dispose();
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
