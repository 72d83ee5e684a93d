/**
 * Every command the README shows, run once as a user runs it (bin/uir.js in a child process) on bundled samples and a
 * tiny checkpoint: the quick start, degrade/replay, preview, list, schema, build-dataset, the manifest commands,
 * ingest, train, finetune (its handler was never run before), classify, restore, plot, eval (inputs, --manifest,
 * --model, PIQE) and serve.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import sharp from 'sharp';
import { ROOT, SHARED, tempDir, uir } from '../helpers.js';

let dir = '', data = '';
const ok = async (args: string[]): Promise<{ stdout: string; stderr: string }> => {
  const r = await uir(args);
  expect(r.code, `uir ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
};

beforeAll(async () => {
  dir = await tempDir('uir-readme-');
  data = path.join(dir, 'data');
  // the quick start
  await ok(['build-dataset', '--recipe', path.join(ROOT, 'recipes/5d.json'), '--src', path.join(ROOT, 'samples/*.png'), '--out', data, '--progress', 'none']);
});

describe('the README, command by command', () => {
  it('quick start: stats and a contact sheet', async () => {
    expect((await ok(['manifest', 'stats', data])).stdout).toMatch(/50 pairs from 5 sources/);
    await ok(['preview', path.join(ROOT, 'samples/kodim23.png'), '-o', path.join(dir, 'preview.png'), '--types', 'rain,haze', '--columns', '3', '--cell', '96']);
    expect((await sharp(path.join(dir, 'preview.png')).metadata()).width).toBeGreaterThan(300);
  });

  it('list, schema, degrade and replay', async () => {
    expect((await ok(['list'])).stdout).toMatch(/19 types/);
    expect((await ok(['list', 'rain'])).stdout).toMatch(/layers\[\]\.density/);
    expect(JSON.parse((await ok(['schema', 'recipe'])).stdout).title).toBe('uir recipe');
    expect(JSON.parse((await ok(['schema', 'rain'])).stdout).title).toBe('uir rain-streak params');
    const src = path.join(ROOT, 'samples/kodim05.png');
    await ok(['degrade', '--type', 'rain', '--level', '3', src, '-o', path.join(dir, 'out.png'), '--seed', '7', '--params-out', path.join(dir, 'rain.json')]);
    await ok(['degrade', '--params', path.join(dir, 'rain.json'), src, '-o', path.join(dir, 'again.png')]);
    expect((await fs.readFile(path.join(dir, 'out.png'))).equals(await fs.readFile(path.join(dir, 'again.png')))).toBe(true);
  });

  it('manifest query, export, verify, merge; ingest', async () => {
    expect(JSON.parse((await ok(['manifest', 'query', data, '--type', 'rain', '--split', 'train', '--limit', '3', '--json'])).stdout).length).toBeGreaterThan(0);
    await ok(['manifest', 'export', data, '--format', 'basicsr', '--split', 'train', '-o', path.join(dir, 'bsr')]);
    expect((await ok(['manifest', 'export', data, '--format', 'jsonl'])).stdout.trim().split('\n')).toHaveLength(50);
    await ok(['manifest', 'verify', data]);
    const shards = path.join(dir, 'shards');
    for (const s of ['0/2', '1/2']) await ok(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', shards, '--shard', s, '--progress', 'none']);
    expect((await ok(['manifest', 'merge', shards])).stdout).toMatch(/50 pairs/);
    const real = path.join(dir, 'real');
    expect((await ok(['ingest', '--lq', path.join(SHARED, 'Rain100L/lq'), '--gt', path.join(SHARED, 'Rain100L/gt'), '--type', 'rain', '--out', real, '--progress', 'none'])).stdout).toMatch(/ingested 100/);
  });

  it('train, finetune, classify, restore, plot and eval with a tiny checkpoint', async () => {
    const pre = path.join(dir, 'runs', 'pre'), ft = path.join(dir, 'runs', 'ft');
    const t = await ok(['train', '--data', data, '-o', pre, '--arch', 'nafnet-tiny', '--steps', '2', '--balance', '--patch', '32', '--batch', '2', '--backend', 'wasm', '--progress', 'none']);
    expect(t.stdout).toMatch(/trained to step 2/);
    const ckpt = path.join(pre, 'ckpt-0000002.safetensors');
    await ok(['finetune', '--init', ckpt, '--data', data, '-o', ft, '--arch', 'nafnet-tiny', '--steps', '2', '--patch', '32', '--batch', '2', '--backend', 'wasm', '--progress', 'none']);
    const fck = path.join(ft, 'ckpt-0000002.safetensors');
    const c = JSON.parse((await ok(['classify', '--model', ckpt, path.join(ROOT, 'samples/kodim23.png'), '--json', '--backend', 'wasm'])).stdout);
    expect(c[0].predictions.length).toBeGreaterThan(0);
    await ok(['restore', '--model', fck, path.join(ROOT, 'samples/kodim19.png'), '-o', path.join(dir, 'clean.png'), '--backend', 'wasm']);
    expect((await sharp(path.join(dir, 'clean.png')).metadata()).height).toBe(384);
    await ok(['plot', pre]);
    await fs.access(path.join(pre, 'curves.png'));
    const lq = path.join(dir, 'rlq'), gt = path.join(dir, 'rgt');
    await fs.mkdir(lq); await fs.mkdir(gt);
    for (const n of ['1.png', '2.png']) { await fs.copyFile(path.join(SHARED, 'Rain100L/lq', n), path.join(lq, n)); await fs.copyFile(path.join(SHARED, 'Rain100L/gt', n), path.join(gt, n)); }
    const inputs = JSON.parse((await ok(['eval', '--lq', lq, '--gt', gt, '--json'])).stdout);
    expect(inputs.rows[0].n).toBe(2);
    const restored = JSON.parse((await ok(['eval', '--model', fck, '--lq', lq, '--gt', gt, '--json', '--backend', 'wasm', '--progress', 'none'])).stdout);
    expect(restored.scored).toBe('restored');
    const byType = JSON.parse((await ok(['eval', '--data', data, '--split', 'val', '--json', '--limit', '10'])).stdout);
    expect(byType.rows.length).toBeGreaterThan(0);
    // --manifest, the old name of --data, still works (with a note)
    const old = await ok(['eval', '--model', fck, '--manifest', data, '--split', 'val', '--limit', '3', '--json', '--backend', 'wasm', '--progress', 'none']);
    expect(old.stderr).toMatch(/note: --manifest is now --data/);
    const withModel = JSON.parse((await ok(['eval', '--model', fck, '--data', data, '--split', 'val', '--limit', '3', '--json', '--backend', 'wasm', '--progress', 'none'])).stdout);
    expect(withModel.average.n).toBe(3);
    expect(JSON.parse((await ok(['eval', '--lq', lq, '--json'])).stdout).metric).toBe('PIQE');
  });

  it('serve answers on loopback and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/uir.js'), 'serve', data, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => { out += String(d); const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out); if (m) resolve(m[1]!); });
      child.on('exit', () => reject(new Error(`serve exited: ${out}`)));
    });
    const body = await new Promise<string>((resolve) => http.get(`${url}api/stats`, (res) => { let t = ''; res.on('data', (c) => { t += c; }); res.on('end', () => resolve(t)); }));
    expect(JSON.parse(body).pairs).toBe(50);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  });
});
