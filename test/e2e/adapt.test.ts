// End to end: "Adapt DA to this study" on the demo study (three repeats) in Chromium — enabled, trains in a Web
// Worker with the held-out curve, adds the derived series labelled as adapted (or says it kept the shipped model),
// shows the held-out gain, offers the weights as a download; Cancel adds nothing. Runtime: ~4 min on 2 shared cores.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { npmStart, openViewer, overlayTexts, stopViewer, type Browser, type StartedServer } from './harness';

const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'na-e2e-adapt-'));
let server: StartedServer;
let browser: Browser;

jest.setTimeout(900_000);

beforeAll(async () => {
  // A short adaptation budget for the test (users get the full one), set as a deployment would.
  server = await npmStart([
    '--extension-options',
    JSON.stringify({ debugHook: true, adaptSeconds: 20 }),
    '--port',
    '0',
    '--demo-dir',
    demoDir,
    '--demo-size',
    '32',
    '--backend',
    'wasm',
  ]);
  browser = await openViewer(server.url);
}, 900_000);

afterAll(() => stopViewer(browser, server, demoDir));

const displaySetCount = () =>
  browser.page.evaluate(() => (window as any).services.displaySetService.getActiveDisplaySets().length);

describe('Adapt DA to this study', () => {
  it('adapts in a worker, shows the curve and the held-out gain, adds the labelled series and offers the weights', async () => {
    const page = browser.page;
    await page.waitForFunction(
      () => !document.querySelector('[data-cy="NaAdaptDA"]')?.className.includes('cursor-not-allowed'),
      null,
      { timeout: 60_000 },
    );
    const before = await displaySetCount();
    await page.click('[data-cy="NaAdaptDA"]');
    await page.waitForSelector('[data-cy="na-adapt-panel"]', { timeout: 30_000 });
    await page.waitForSelector('[data-cy="na-adapt-curve-line"]', { timeout: 300_000 });
    const summary = await page.waitForSelector('[data-cy="na-adapt-summary"]', { timeout: 600_000 });
    const text = (await summary.textContent()) ?? '';
    expect(text).toMatch(/held-out slabs/);
    // The held-out comparison with NLM: its verdict, or why it was skipped.
    expect(text).toMatch(
      /ahead of NLM|NLM is [\d.]+ dB ahead|the DA and NLM are within|comparison with NLM skipped|blended with NLM/i,
    );
    const record = await page.evaluate(() => (window as any).__naDenoise.lastAdaptation);
    expect(record.parent.name).toBe('sodium-da');
    expect(record.regime.acquisitions).toBe(3);
    expect(record.history.length).toBeGreaterThan(0);
    expect(await displaySetCount()).toBeGreaterThan(before);
    const description = await page.evaluate(
      (uid) => (window as any).services.displaySetService.getDisplaySetByUID(uid).SeriesDescription,
      record.displaySetInstanceUID,
    );
    const overlays = (await overlayTexts(page)).join(' | ');
    if (record.result === 'adapted') {
      expect(description).toBe('Na DA adapted denoised');
      expect(overlays).toMatch(/adapted from sodium-da .*held-out gain [\d.]+ %/);
    } else {
      expect(description).toBe('Na DA denoised');
      expect(overlays).toMatch(/not adapted: no gain on held-out slabs/);
    }
    // The overlay says how much of NLM is in the image: the held-out slabs' blend when they kept one, else SURE's.
    if (record.nlm?.blend?.kept) expect(overlays).toMatch(/blended with NLM \(\d+ %\)/);
    else expect(overlays).toMatch(/blended with NLM by SURE: \d+ % NLM/);
    const download = page.waitForEvent('download');
    await page.click('[data-cy="na-adapt-download"]');
    const file = await (await download).path();
    const files = unzipSync(new Uint8Array(fs.readFileSync(file!)));
    expect(Object.keys(files).sort()).toEqual(['model-card.json', 'model.json', 'weights.bin']);
    const card = JSON.parse(new TextDecoder().decode(files['model-card.json']));
    expect(card.training.adaptation.study).toBe(record.study);
    await page.click('[data-cy="na-adapt-close"]');
  });

  it('Cancel stops the worker and adds nothing', async () => {
    const page = browser.page;
    const before = await displaySetCount();
    await page.evaluate(() => {
      const s = (window as any).services;
      s.viewportGridService.setActiveViewportId([...s.viewportGridService.getState().viewports.keys()][0]);
    });
    await page.click('[data-cy="NaAdaptDA"]');
    await page.click('[data-cy="na-adapt-cancel"]', { timeout: 60_000 });
    await page.waitForFunction(() => !(window as any).__naDenoise.busy, null, { timeout: 120_000 });
    expect(await displaySetCount()).toBe(before);
    expect(await page.$('[data-cy="na-adapt-panel"]')).toBeNull();
  });

  it('logged no errors to the console', () => {
    expect(browser.errors).toEqual([]);
  });
});
