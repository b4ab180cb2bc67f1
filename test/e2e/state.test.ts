// The extension's state in one OHIF service, seen from a real Chromium against a real Orthanc: 10 DA runs in a row
// leave the JS heap and tfjs's tensors where the first run left them, and a derived volume Cornerstone evicts from
// its cache is re-created (shown, scrolled, read and saved afterwards), never a crash or a blank error.
// Demo 32³ (3 acquisitions) so ten DA runs stay short; runtime ≈ 3–4 min on the shared two-core machine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CDPSession } from 'playwright-core';
import { activateDenoisedViewport, ARTIFACTS, viewerSuite, type Browser } from './harness';

const SIZE = 32;
const suite = viewerSuite('state', ['--pacs'], { demoSize: SIZE });
const RUNS = 10;

interface MemoryPoint {
  heapBytes: number;
  numTensors: number;
  tensorBytes: number;
}

/** JS heap in use after a forced full GC (CDP), and tfjs's live tensors. */
async function memoryAfterGc(page: Browser['page'], cdp: CDPSession): Promise<MemoryPoint> {
  // Two collections: the first may only run finalizers that free more on the second.
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const t = await page.evaluate(() => (window as any).__naDenoise.tensorMemory());
  return { heapBytes: usedSize, numTensors: t.numTensors, tensorBytes: t.numBytes };
}

async function qido(p: string): Promise<Record<string, { Value?: unknown[] }>[]> {
  const r = await fetch(`${suite.server.origin}/dicom-web${p}`, { headers: { Accept: 'application/dicom+json' } });
  if (!r.ok) throw new Error(`QIDO ${p}: HTTP ${r.status}`);
  return r.status === 204 ? [] : await r.json();
}

describe('viewer state in one OHIF service', () => {
  const memory: MemoryPoint[] = [];

  it(`${RUNS} DA runs in a row: JS heap and tf.memory() return to their level after the first run`, async () => {
    const page = suite.browser.page;
    const cdp = await page.context().newCDPSession(page);
    const hookKeys = await page.evaluate(() => Object.keys((window as any).__naDenoise));
    expect(hookKeys).not.toContain('results'); // the hook keeps no per-run arrays
    for (let i = 0; i < RUNS; i++) {
      // After the first run the active viewport shows the result: a click acts on its source (denoiseTarget).
      const before = await page.evaluate(() => (window as any).__naDenoise.runCount);
      await page.click('[data-cy="NaDenoise"]');
      await page.waitForFunction(
        (n) => {
          const h = (window as any).__naDenoise;
          return !h.busy && (h.runCount > n || h.errors.length > 0);
        },
        before,
        { timeout: 300_000, polling: 250 },
      );
      const h = await page.evaluate(() => {
        const x = (window as any).__naDenoise;
        return { errors: x.errors, run: x.lastRun };
      });
      expect(h.errors).toEqual([]);
      expect(h.run.dims).toEqual([SIZE, SIZE, SIZE]);
      memory.push(await memoryAfterGc(page, cdp));
    }
    const [first] = memory;
    const last = memory[memory.length - 1];
    // tfjs: the weights stay loaded, every run's tensors are freed: exactly the same count and bytes.
    expect(last.numTensors).toBe(first.numTensors);
    expect(last.tensorBytes).toBe(first.tensorBytes);
    // JS heap: the old hook kept input, output and reference of every run (3 × 32³ × 4 B = 384 KiB a run, 3.4 MiB
    // over runs 2–10). Allow a quarter of one run's arrays per run (864 KiB in all) for OHIF's own bookkeeping
    // (notifications, overlay re-renders) and V8's heap noise; a leak of any one volume per run exceeds it.
    const volumeBytes = SIZE ** 3 * 4;
    const tolerance = ((RUNS - 1) * 3 * volumeBytes) / 4;
    const summary = memory.map(
      (m, i) => `${i + 1}: ${(m.heapBytes / 2 ** 20).toFixed(2)} MiB, ${m.numTensors} tensors`,
    );
    console.log(`[state] heap after GC per run:\n  ${summary.join('\n  ')}`);
    expect(last.heapBytes - first.heapBytes).toBeLessThan(tolerance);
  });

  it('a derived volume evicted from the cache is re-created: shown, scrolled, read and saved', async () => {
    const page = suite.browser.page;
    await activateDenoisedViewport(page);
    const uid = (await page.evaluate(() => (window as any).__naDenoise.lastRun.displaySetInstanceUID)) as string;
    const readVoxels = () =>
      page.evaluate(
        async (u) => Array.from((await (window as any).__naDenoise.readVolume(u)).data as Float32Array),
        uid,
      );
    const before = await readVoxels();
    const errorsBefore = suite.browser.errors.length;

    // 1. The volume alone (as cache pressure does), then 2. the whole cache (cache.purgeCache()).
    for (const how of ['removeVolumeLoadObject', 'purgeCache'] as const) {
      const recovered = await page.evaluate(() => (window as any).__naDenoise.evictionsRecovered as number);
      const gone = await page.evaluate(
        ([u, h]) => {
          const { cache } = (window as any).cornerstone;
          const id = `cornerstoneStreamingImageVolume:${u}`;
          if (h === 'purgeCache') cache.purgeCache();
          else cache.removeVolumeLoadObject(id);
          return !cache.getVolume(id);
        },
        [uid, how] as const,
      );
      expect(gone).toBe(true);
      await page.waitForFunction((n) => (window as any).__naDenoise.evictionsRecovered > n, recovered, {
        timeout: 30_000,
      });
      // Show it again in the active viewport and scroll through it.
      const shown = await page.evaluate(async (u) => {
        const s = (window as any).services;
        const id = s.viewportGridService.getActiveViewportId();
        s.viewportGridService.setDisplaySetsForViewport({ viewportId: id, displaySetInstanceUIDs: [u] });
        const vp = await new Promise<any>((resolve, reject) => {
          const t0 = Date.now();
          const poll = () => {
            const v = s.cornerstoneViewportService.getCornerstoneViewport(id);
            const ids = v?.getAllVolumeIds?.() ?? [];
            if (ids.some((x: string) => x.includes(u))) resolve(v);
            else if (Date.now() - t0 > 20_000) reject(new Error(`viewport shows ${ids.join(', ') || 'nothing'}`));
            else setTimeout(poll, 200);
          };
          poll();
        });
        const index = () => vp.getCurrentImageIdIndex?.() ?? vp.getSliceIndex();
        const start = index();
        vp.scroll(start > 5 ? -5 : 5);
        vp.render();
        await new Promise((r) => setTimeout(r, 300));
        const after = index();
        const image = vp.getImageData();
        return { start, after, dims: image ? [...image.dimensions] : null };
      }, uid);
      expect(shown.dims).toEqual([SIZE, SIZE, SIZE]);
      expect(shown.after).not.toBe(shown.start);
      expect(await readVoxels()).toEqual(before);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'state-after-eviction.png') });

    // Save after the evictions: stored through the data source, found by QIDO with all its images.
    await activateDenoisedViewport(page);
    const saves = await page.evaluate(() => (window as any).__naDenoise.saveCount as number);
    await page.click('[data-cy="NaSaveToPacs"]');
    await page.waitForFunction((n) => (window as any).__naDenoise.saveCount > n, saves, { timeout: 120_000 });
    const saved = (await page.evaluate(() => (window as any).__naDenoise.lastSave)) as string;
    const study = (await page.evaluate(
      () => (window as any).services.displaySetService.getActiveDisplaySets()[0].StudyInstanceUID,
    )) as string;
    const instances = await qido(`/studies/${study}/series/${saved}/instances`);
    expect(instances).toHaveLength(SIZE);
    expect(await page.evaluate(() => (window as any).__naDenoise.errors)).toEqual([]);
    expect(suite.browser.errors.slice(errorsBefore)).toEqual([]);
  });
});
