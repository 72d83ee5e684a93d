/**
 * End to end in a real headless browser (Debian's chromium driven by playwright-core): open the page for a
 * dataset built here, filter to one type, open a pair, move the slider, check what is shown, take screenshots.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { ROOT, tempDir, uir } from '../helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOT_DIR = path.join(ROOT, 'test-output');

let srv: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)`);
  const data = path.join(await tempDir(), 'data');
  const r = await uir(['build-dataset', '-r', path.join(ROOT, 'recipes/5d.json'), '-s', path.join(ROOT, 'samples/*.png'), '-o', data, '--progress', 'none']);
  expect(r.code, r.stderr).toBe(0);
  srv = await startServer({ data, port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await fs.mkdir(SHOT_DIR, { recursive: true });
});
afterAll(async () => { await browser?.close(); await srv?.close(); });

describe('the dataset page in chromium', () => {
  it('filters to one type, opens a pair, moves the slider, and shows the recorded params', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.url);
    await expect.poll(() => page.locator('#summary').textContent()).toMatch(/50 pairs, 5 sources/);
    await expect.poll(() => page.locator('#grid .cell').count()).toBe(48);
    expect(await page.locator('#chart rect').count()).toBeGreaterThan(5);

    await page.selectOption('#f-type', 'rain-streak');
    await expect.poll(() => page.locator('#pageinfo').textContent()).toMatch(/\(10 pairs\)/);
    const captions = await page.locator('#grid .cell span').allTextContents();
    expect(captions).toHaveLength(10);
    for (const c of captions) expect(c).toMatch(/^rain-streak · L\d+/);
    // thumbnails really load
    await expect.poll(() => page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('#grid img')].every((i) => i.complete && i.naturalWidth > 0))).toBe(true);
    await page.screenshot({ path: path.join(SHOT_DIR, 'serve-grid.png') });

    await page.locator('#grid .cell').first().press('Enter');
    await expect.poll(() => page.locator('#pair').evaluate((e) => e.classList.contains('open'))).toBe(true);
    await expect.poll(() => page.locator('#title').textContent()).toMatch(/^rain-streak \(RS\) level \d+/);
    await expect.poll(() => page.evaluate(() => (document.querySelector('#lqimg') as HTMLImageElement).naturalWidth)).toBe(256);
    const params = JSON.parse((await page.locator('#params').textContent())!);
    expect(params.layers.length).toBeGreaterThan(0);
    expect(await page.locator('#info').textContent()).toMatch(/seed: \d+[\s\S]*sha256 [0-9a-f]{64}/);

    // drag the slider handle to 20% of the image, then nudge it with the keyboard
    const box = (await page.locator('#stage').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.up();
    await expect.poll(() => page.locator('#slider').inputValue().then(Number), { timeout: 5000 }).toBeCloseTo(20, 0);
    expect(await page.locator('#lqimg').evaluate((e) => (e as HTMLElement).style.clipPath)).toMatch(/inset\(0(px)? 80/);
    // on the slider, the arrows move the slider (native range input), not the pair
    await page.locator('#slider').focus();
    const title0 = await page.locator('#title').textContent();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#slider').inputValue().then(Number), { timeout: 5000 }).toBeGreaterThan(20);
    expect(await page.locator('#title').textContent()).toBe(title0);
    // [ and ] move the slider by 10
    const s0 = Number(await page.locator('#slider').inputValue());
    await page.keyboard.press(']');
    await expect.poll(() => page.locator('#slider').inputValue().then(Number), { timeout: 5000 }).toBe(Math.min(100, s0 + 10));
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    await expect.poll(() => page.locator('#slider').inputValue().then(Number), { timeout: 5000 }).toBe(Math.max(0, s0 - 10));
    // + and - zoom
    await page.keyboard.press('+');
    await expect.poll(() => page.locator('#zoomval').textContent(), { timeout: 5000 }).toBe('150%');
    await page.keyboard.press('-');
    await expect.poll(() => page.locator('#zoomval').textContent(), { timeout: 5000 }).toBe('100%');
    await page.keyboard.press('+');
    await expect.poll(() => page.locator('#zoomval').textContent(), { timeout: 5000 }).toBe('150%');
    await page.screenshot({ path: path.join(SHOT_DIR, 'serve-pair.png') });
    // off the slider, Right and Left step through the pairs of the grid
    await page.locator('#title').click();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#title').textContent(), { timeout: 5000 }).not.toBe(title0);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('#title').textContent(), { timeout: 5000 }).toBe(title0);
    // Tab reaches the slider from the page (keyboard-only use)
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'slider'; i++) { await page.keyboard.press('Tab'); focused = await page.evaluate(() => document.activeElement?.id ?? ''); }
    expect(focused).toBe('slider');

    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#pair').evaluate((e) => e.classList.contains('open')), { timeout: 5000 }).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });
});
