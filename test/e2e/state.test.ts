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
  /** V8 heap objects in use. */
  heapBytes: number;
  /** ArrayBuffer backing stores (typed-array voxels live here, outside heapBytes). */
  bufferBytes: number;
  numTensors: number;
  tensorBytes: number;
}

/** JS heap in use after a forced full GC (CDP), and tfjs's live tensors. */
async function memoryAfterGc(page: Browser['page'], cdp: CDPSession): Promise<MemoryPoint> {
  // Two collections: the first may only run finalizers that free more on the second.
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
  if (usage.backingStorageSize === undefined) throw new Error('this Chromium reports no backingStorageSize');
  const t = await page.evaluate(() => (window as any).__naDenoise.tensorMemory());
  return {
    heapBytes: usage.usedSize,
    bufferBytes: usage.backingStorageSize,
    numTensors: t.numTensors,
    tensorBytes: t.numBytes,
  };
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
    const mib = (b: number) => (b / 2 ** 20).toFixed(2);
    const summary = memory.map(
      (m, i) => `${i + 1}: heap ${mib(m.heapBytes)} MiB, buffers ${mib(m.bufferBytes)} MiB, ${m.numTensors} tensors`,
    );
    console.log(`[state] after GC, per run:\n  ${summary.join('\n  ')}`);
    // tfjs: nothing a run makes outlives it: the same tensor count and bytes as after the first run.
    expect(last.numTensors).toBe(first.numTensors);
    expect(last.tensorBytes).toBe(first.tensorBytes);
    // The old hook kept input, output and reference of every run: 3 × 32³ × 4 B = 384 KiB of buffers a run, 3.4 MiB
    // over runs 2–10. Allow two volumes (256 KiB) over the first run's level: a one-off allocation passes (seen:
    // +87 KiB at run 7, flat after), a leak of a quarter volume a run (9 × 32 KiB = 288 KiB) or more fails.
    const volumeBytes = SIZE ** 3 * 4;
    expect(last.bufferBytes - first.bufferBytes).toBeLessThan(2 * volumeBytes);
    // V8 objects: compiled code, type feedback and OHIF's own state grow over the runs (seen in four runs: +1.8 to
    // +2.5 MiB over runs 2–10; OHIF's setProtocol alone, which each run calls, adds ~0.07 MiB a call). Voxel leaks
    // are in the buffers, checked above; 4 MiB here still fails a leak of JS objects of ≥ 450 KiB a run.
    expect(last.heapBytes - first.heapBytes).toBeLessThan(4 * 2 ** 20);
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

    // 1. The volume alone (as cache pressure does), in the comparison layout: nothing but our volume is touched, and
    // no error may appear. 2. The whole cache (cache.purgeCache()), with our series in every viewport: ours come back
    // the same; purging also destroys OHIF's own volumes (source, repeats), and OHIF 3.13 then throws page errors
    // ("reading '1'" of a destroyed image's dimensions) that are its behaviour, not the extension's: counted, logged.
    for (const how of ['removeVolumeLoadObject', 'purgeCache'] as const) {
      if (how === 'purgeCache') {
        // The original's viewport shows the derived series too, so every viewport shows a volume we made.
        await page.evaluate((u) => {
          const s = (window as any).services;
          for (const [viewportId, v] of s.viewportGridService.getState().viewports) {
            const ds = s.displaySetService.getDisplaySetByUID(v.displaySetInstanceUIDs[0]);
            if (!ds?.isNaDenoised && !ds?.isNaReference)
              s.viewportGridService.setDisplaySetsForViewport({ viewportId, displaySetInstanceUIDs: [u] });
          }
        }, uid);
        await page.waitForTimeout(2000);
      }
      const errorsBeforeStep = suite.browser.errors.length;
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
        // Shown: the viewport holds our volume and can place its slices (its actor and image data are set up).
        const vp = await new Promise<any>((resolve, reject) => {
          const t0 = Date.now();
          let why = '';
          const poll = () => {
            const v = s.cornerstoneViewportService.getCornerstoneViewport(id);
            const ids: string[] = v?.getAllVolumeIds?.() ?? [];
            try {
              if (ids.some((x) => x.includes(u)) && v.getImageData() && Number.isInteger(v.getCurrentImageIdIndex()))
                return resolve(v);
              why = `viewport shows ${ids.join(', ') || 'nothing'}`;
            } catch (e) {
              why = String(e);
            }
            if (Date.now() - t0 > 20_000) reject(new Error(why));
            else setTimeout(poll, 200);
          };
          poll();
        });
        const index = () => vp.getCurrentImageIdIndex();
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
      const stepErrors = suite.browser.errors.slice(errorsBeforeStep);
      if (how === 'removeVolumeLoadObject') expect(stepErrors).toEqual([]);
      else console.log(`[state] page errors after purgeCache (OHIF's own purged volumes): ${stepErrors.length}`);
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
  });
});
