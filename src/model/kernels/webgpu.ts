/**
 * uir's fused ops on the WebGPU backend, in WGSL: LayerNorm (forward and backward), SimpleGate (forward and
 * backward) and the AdamW step, registered under the same kernel names as the wasm pack (register.ts), so ops.ts and
 * optim.ts run them on either backend. Every other op of NAFNet, Restormer, the mask, the classifier and the losses
 * has a stock tfjs-backend-webgpu kernel with a gradient.
 *
 * Why fused: as tf ops, LayerNorm is 9 dispatches forward and ~20 backward, each reading and writing the whole
 * feature map; the AdamW step is 12 per parameter (a NAFNet has hundreds of parameters). Fused, LayerNorm is 2
 * dispatches forward and 5 backward, AdamW 3 per parameter with the moments updated in place (as the wasm kernel).
 * `npm run bench:train -- --backend webgpu --kernels` times each against the stock composition.
 *
 * Programs follow tfjs-backend-webgpu's WebGPUProgram contract: inputs are bound as read-only arrays named by
 * `variableNames`, the output as `result` (read_write), and the uniforms `size` (flat programs) and our own fields
 * (`uniforms`, filled in order from the program-defined uniform list).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { markFused } from './fused.js';

type Uniform = { type: 'float32' | 'int32'; data: number[] };
const size = (s: readonly number[]): number => s.reduce((a, c) => a * c, 1);

/**
 * A program over a flat index: `invocations` of them (one per output element, or one per row for row programs, whose
 * output holds two values a row). Outputs are allocated by `run` with their real shape.
 */
class FlatProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms?: string;
  constructor(name: string, readonly variableNames: string[], invocations: number, private body: string, uniforms = '') {
    this.outputShape = [invocations];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    if (uniforms) this.uniforms = uniforms;
    this.shaderKey = `uir_${name}`;
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }`;
  }
}

/** Run a program into `out`: a new tensor of that shape, or an existing one (updated in place). */
function run(b: WebGPUBackend, p: FlatProgram, inputs: TensorInfo[], uniforms: Uniform[], out: number[] | TensorInfo): TensorInfo {
  const output = Array.isArray(out) ? b.makeTensorInfo(out, 'float32') : out;
  return b.runWebGPUProgram(p, inputs, 'float32', uniforms, output);
}

// --- LayerNorm over the last axis of [rows, C]. Statistics per row as [rows, 2]: (mean, 1 / sqrt(var + eps)). ---

const LN_STATS = `
  let C = uniforms.C;
  let base = index * C;
  var s = 0.0;
  for (var c = 0; c < C; c++) { s += X[base + c]; }
  let mean = s / f32(C);
  var q = 0.0;
  for (var c = 0; c < C; c++) { let d = X[base + c] - mean; q += d * d; }
  result[index * 2] = mean;
  result[index * 2 + 1] = inverseSqrt(q / f32(C) + uniforms.eps);`;

const LN_APPLY = `
  let C = uniforms.C;
  let r = index / C;
  let c = index - r * C;
  result[index] = (X[index] - S[r * 2]) * S[r * 2 + 1] * G[c] + B[c];`;

/** Per row: (sum of dy g, sum of dy g xhat). */
const LN_ROW_SUMS = `
  let C = uniforms.C;
  let base = index * C;
  let mean = S[index * 2];
  let rstd = S[index * 2 + 1];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var c = 0; c < C; c++) {
    let t = DY[base + c] * G[c];
    s1 += t;
    s2 += t * (X[base + c] - mean) * rstd;
  }
  result[index * 2] = s1;
  result[index * 2 + 1] = s2;`;

const LN_DX = `
  let C = uniforms.C;
  let r = index / C;
  let c = index - r * C;
  let rstd = S[r * 2 + 1];
  let xhat = (X[index] - S[r * 2]) * rstd;
  result[index] = rstd * (DY[index] * G[c] - (R[r * 2] + xhat * R[r * 2 + 1]) / f32(C));`;

/**
 * Partial parameter gradients: invocation (block, j) sums, over the block's rows, dy xhat (j < C: dg) or dy
 * (j >= C: db) of channel j mod C; the blocks are then summed by the stock Sum.
 */
const LN_PARAM_PARTIALS = `
  let C = uniforms.C;
  let C2 = C * 2;
  let blk = index / C2;
  let j = index - blk * C2;
  let c = j % C;
  let r0 = blk * uniforms.per;
  let r1 = min(r0 + uniforms.per, uniforms.rows);
  var s = 0.0;
  if (j < C) {
    for (var r = r0; r < r1; r++) { s += DY[r * C + c] * (X[r * C + c] - S[r * 2]) * S[r * 2 + 1]; }
  } else {
    for (var r = r0; r < r1; r++) { s += DY[r * C + c]; }
  }
  result[index] = s;`;

/** Column j of a [blocks, 2C] matrix summed, for j in [offset, offset + C). */
const COLUMN_SUM = `
  let C2 = uniforms.C * 2;
  var s = 0.0;
  for (var b = 0; b < uniforms.blocks; b++) { s += P[b * C2 + uniforms.offset + index]; }
  result[index] = s;`;

function layerNorm(b: WebGPUBackend, x: TensorInfo, g: TensorInfo, beta: TensorInfo, eps: number): TensorInfo[] {
  const C = x.shape[x.shape.length - 1]!, rows = size(x.shape) / C;
  const stats = run(b, new FlatProgram('ln_stats', ['X'], rows, LN_STATS, 'C : i32, eps : f32,'), [x], [{ type: 'int32', data: [C] }, { type: 'float32', data: [eps] }], [rows, 2]);
  const y = run(b, new FlatProgram('ln_apply', ['X', 'S', 'G', 'B'], rows * C, LN_APPLY, 'C : i32,'), [x, stats, g, beta], [{ type: 'int32', data: [C] }], x.shape);
  return [y, stats];
}

function layerNormGrad(b: WebGPUBackend, dy: TensorInfo, x: TensorInfo, g: TensorInfo, stats: TensorInfo): TensorInfo[] {
  const C = x.shape[x.shape.length - 1]!, rows = size(x.shape) / C;
  const cI: Uniform = { type: 'int32', data: [C] };
  const sums = run(b, new FlatProgram('ln_row_sums', ['DY', 'X', 'G', 'S'], rows, LN_ROW_SUMS, 'C : i32,'), [dy, x, g, stats], [cI], [rows, 2]);
  const dx = run(b, new FlatProgram('ln_dx', ['DY', 'X', 'G', 'S', 'R'], rows * C, LN_DX, 'C : i32,'), [dy, x, g, stats, sums], [cI], x.shape);
  b.disposeData(sums.dataId);
  const blocks = Math.min(256, rows), per = Math.ceil(rows / blocks);
  const partials = run(b, new FlatProgram('ln_param_partials', ['DY', 'X', 'S'], blocks * 2 * C, LN_PARAM_PARTIALS, 'C : i32, per : i32, rows : i32,'), [dy, x, stats],
    [cI, { type: 'int32', data: [per] }, { type: 'int32', data: [rows] }], [blocks, 2 * C]);
  const col = (offset: number): TensorInfo => run(b, new FlatProgram('column_sum', ['P'], C, COLUMN_SUM, 'C : i32, blocks : i32, offset : i32,'), [partials],
    [cI, { type: 'int32', data: [blocks] }, { type: 'int32', data: [offset] }], [C]);
  const dg = col(0), db = col(C);
  b.disposeData(partials.dataId);
  return [dx, dg, db];
}

// --- SimpleGate: y = x[..., :H] * x[..., H:] ---

const SG = `
  let H = uniforms.H;
  let r = index / H;
  let c = index - r * H;
  result[index] = X[r * 2 * H + c] * X[r * 2 * H + H + c];`;

const SG_GRAD = `
  let H = uniforms.H;
  let r = index / (2 * H);
  let c = index - r * 2 * H;
  if (c < H) { result[index] = DY[r * H + c] * X[index + H]; } else { result[index] = DY[r * H + c - H] * X[index - H]; }`;

// --- AdamW: m and v updated in place (bound as the output), the parameter written to a new tensor ---

const ADAM_M = `result[index] = uniforms.beta * result[index] + (1.0 - uniforms.beta) * G[index];`;
const ADAM_V = `let g = G[index]; result[index] = uniforms.beta * result[index] + (1.0 - uniforms.beta) * g * g;`;
const ADAM_P = `
  let p = P[index];
  let u = (M[index] / uniforms.bc1) / (sqrt(V[index] / uniforms.bc2) + uniforms.eps) + uniforms.wd * p;
  result[index] = p - uniforms.lr * u;`;

/** Names of the kernels registered here (tests and profiles). */
export const WEBGPU_REGISTERED: string[] = [];
let registered = false;

function register(name: string, fn: (inputs: Record<string, TensorInfo>, b: WebGPUBackend, attrs: NamedAttrMap) => TensorInfo | TensorInfo[]): void {
  if (tf.getKernel(name, 'webgpu')) tf.unregisterKernel(name, 'webgpu');
  const kernelFunc = ((a: { inputs: Record<string, TensorInfo>; backend: unknown; attrs: NamedAttrMap }) => fn(a.inputs, a.backend as WebGPUBackend, a.attrs)) as unknown as KernelFunc;
  tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc });
  WEBGPU_REGISTERED.push(name);
}

export function registerWebGpuKernels(): void {
  if (registered) return;
  register('UirLayerNorm', (i, b, a) => layerNorm(b, i.x!, i.g!, i.b!, a.eps as number));
  register('UirLayerNormGrad', (i, b) => layerNormGrad(b, i.dy!, i.x!, i.g!, i.s0!));
  register('UirSimpleGate', (i, b) => {
    const x = i.x!, H = x.shape[x.shape.length - 1]! / 2, n = size(x.shape) / 2;
    return run(b, new FlatProgram('simple_gate', ['X'], n, SG, 'H : i32,'), [x], [{ type: 'int32', data: [H] }], [...x.shape.slice(0, -1), H]);
  });
  register('UirSimpleGateGrad', (i, b) => {
    const x = i.x!, H = x.shape[x.shape.length - 1]! / 2;
    return run(b, new FlatProgram('simple_gate_grad', ['DY', 'X'], size(x.shape), SG_GRAD, 'H : i32,'), [i.dy!, x], [{ type: 'int32', data: [H] }], x.shape);
  });
  register('UirAdamW', (i, b, attrs) => {
    const a = attrs as Record<string, number>, p = i.p!, n = size(p.shape);
    const f = (v: number): Uniform => ({ type: 'float32', data: [v] });
    run(b, new FlatProgram('adamw_m', ['G'], n, ADAM_M, 'beta : f32,'), [i.g!], [f(a.beta1!)], i.m!);
    run(b, new FlatProgram('adamw_v', ['G'], n, ADAM_V, 'beta : f32,'), [i.g!], [f(a.beta2!)], i.v!);
    return run(b, new FlatProgram('adamw_p', ['P', 'M', 'V'], n, ADAM_P, 'lr : f32, bc1 : f32, bc2 : f32, eps : f32, wd : f32,'), [p, i.m!, i.v!],
      [f(a.lr!), f(a.bc1!), f(a.bc2!), f(a.eps!), f(a.weightDecay!)], p.shape);
  });
  markFused('webgpu');
  registered = true;
}
