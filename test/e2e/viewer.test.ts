// End to end, embedded demo (dicomjson): `npm start` → stock OHIF 3.13 + our extension in Chromium → "Denoise Na"
// (DA, then NLM) → derived display sets and comparison layout, checked against the same job run in Node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import * as dcmjs from 'dcmjs';
import {
  activateDenoisedViewport,
  ARTIFACTS,
  E2E_DEMO_SIZE,
  viewerSuite,
  clickAndWaitForRun,
  lastRun,
  overlayTexts,
  waitForViewer,
} from './harness';
import { execFileSync } from 'node:child_process';
import { RESEARCH_LABEL, researchLabel } from '../../src/extension/id';
import { ANALYSED_AHEAD } from '../helpers/analysis';

const SIZE = E2E_DEMO_SIZE;
const suite = viewerSuite('demo');
const { demoDir } = suite;

interface NodeRun {
  data: Float32Array;
  source: Float32Array;
  reference: Float32Array;
  metrics: { psnr: number; ssim: number; input: { psnr: number; ssim: number } };
  backend: string;
}

/** denoiseVolume in Node on the same DICOM input (see nodePipeline.ts). */
function nodePipeline(method: 'da' | 'nlm'): NodeRun {
  const out = path.join(demoDir, `node-${method}`);
  execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'nodePipeline.ts'), demoDir, method, out], {
    stdio: 'inherit',
  });
  const f32 = (suffix: string) => {
    const b = fs.readFileSync(out + suffix);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const json = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'));
  return {
    data: f32('.f32'),
    source: f32('.src.f32'),
    reference: f32('.ref.f32'),
    metrics: json.metrics,
    backend: json.backend,
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function range(a: ArrayLike<number>): number {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return hi - lo;
}

/** Mean of the SIZE³ volume's eight 6³ corners (air in the demo study). */
function cornerMean(a: ArrayLike<number>): number {
  const lo = (c: number) => c < 6 || c >= SIZE - 6;
  let sum = 0,
    n = 0;
  for (let k = 0; k < SIZE; k++)
    for (let j = 0; j < SIZE; j++)
      for (let i = 0; i < SIZE; i++)
        if (lo(i) && lo(j) && lo(k)) {
          sum += a[i + SIZE * (j + SIZE * k)];
          n++;
        }
  return sum / n;
}

/** pSNR / SSIM numbers shown in the overlay of the viewport whose text contains `marker`. */
function shownMetrics(texts: string[], marker: string): { psnr: number; ssim: number } {
  const t = texts.find((x) => x.includes(marker));
  expect(t).toBeDefined();
  return { psnr: Number(/pSNR ([\d.]+) dB/.exec(t!)![1]), ssim: Number(/SSIM ([\d.]+)/.exec(t!)![1]) };
}

describe('viewer, embedded demo study', () => {
  it('is cross-origin isolated and shows the three 23Na acquisitions', async () => {
    const state = await suite.browser.page.evaluate(() => ({
      isolated: crossOriginIsolated,
      sets: (window as any).services.displaySetService.getActiveDisplaySets().map((d: any) => d.SeriesDescription),
    }));
    expect(state.isolated).toBe(true);
    expect(state.sets).toEqual([1, 2, 3].map((k) => `23Na 3D radial, acquisition ${k} of 3`));
  });

  it('DA on WASM: the derived set, overlay metrics and voxels equal the Node pipeline on the same input', async () => {
    const page = suite.browser.page;
    // The mode read and analysed the shown series while the viewer was idle (inputPrefetch): the first click reads
    // nothing again and analyses nothing again, and its result is still the Node pipeline's, voxel for voxel.
    await page.waitForFunction(() => (window as any).__naDenoise.prefetch?.state === 'ready', null, {
      timeout: 180_000,
    });
    const kept = await page.evaluate(() => (window as any).__naDenoise.inputs);
    expect(kept.loads).toBe(1);
    const prefetch = await page.evaluate(() => (window as any).__naDenoise.prefetch);
    expect([...prefetch.analysed].sort()).toEqual([...ANALYSED_AHEAD]);
    const run = await clickAndWaitForRun(page, 'NaDenoise');
    const after = await page.evaluate(() => (window as any).__naDenoise.inputs);
    expect(after.loads).toBe(1);
    expect(after.hits).toBeGreaterThan(kept.hits);
    // The DA runs on one Web Worker per core (each its own single-threaded WASM).
    expect(run).toMatchObject({ method: 'DA', dims: [SIZE, SIZE, SIZE] });
    expect(run.backend).toMatch(/^wasm×[2-8]$/);
    const da = nodePipeline('da');
    expect(da.backend).toBe('wasm');
    // The viewer read the series in full precision: same voxels as the Node DICOM reader.
    expect(maxAbsDiff(run.input, da.source)).toBeLessThan(1e-3 * range(da.source));
    expect(maxAbsDiff(run.reference!, da.reference)).toBeLessThan(1e-3 * range(da.source));
    expect(maxAbsDiff(run.data, da.data)).toBeLessThan(1e-3 * range(da.data));
    expect(Math.abs(run.metrics.psnr - da.metrics!.psnr)).toBeLessThan(0.05);
    expect(Math.abs(run.metrics.ssim - da.metrics!.ssim)).toBeLessThan(0.005);
    // No grey square: the air in the volume's eight 6³ corners is no brighter denoised than in the source.
    expect(cornerMean(run.data)).toBeLessThanOrEqual(cornerMean(run.input));

    const texts = await overlayTexts(suite.browser.page);
    const shown = shownMetrics(texts, 'Na DA denoised');
    expect(Math.abs(shown.psnr - da.metrics!.psnr)).toBeLessThan(0.05 + 0.005); // + display rounding
    expect(Math.abs(shown.ssim - da.metrics!.ssim)).toBeLessThan(0.005 + 0.0005);
    expect(texts.join(' ')).toContain(RESEARCH_LABEL);
    const original = shownMetrics(texts, 'Original');
    expect(Math.abs(original.psnr - da.metrics!.input.psnr)).toBeLessThan(0.055);
  });

  it('switches to the comparison layout: original | denoised | reference, synchronised', async () => {
    const state = await suite.browser.page.evaluate(() => {
      const s = (window as any).services;
      const grid = s.viewportGridService.getState();
      const vps = [...grid.viewports.values()].map(
        (v: any) => s.displaySetService.getDisplaySetByUID(v.displaySetInstanceUIDs[0])?.SeriesDescription,
      );
      const syncs = s.syncGroupService ? Object.keys(s.syncGroupService.synchronizersByType ?? {}) : [];
      return { protocol: s.hangingProtocolService.getState().protocolId, vps, syncs };
    });
    expect(state.protocol).toBe('naCompare');
    expect(state.vps).toEqual([
      '23Na 3D radial, acquisition 1 of 3',
      'Na DA denoised',
      'Na reference (mean of 3 acquisitions)',
    ]);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await suite.browser.page.waitForTimeout(1500);
    await suite.browser.page.screenshot({ path: path.join(ARTIFACTS, 'viewer-comparison-da.png') });
    const thumbs = await suite.browser.page.evaluate(() => document.body.innerText);
    expect(thumbs).toContain('Na DA denoised');
  });

  it('NLM: metrics and voxels equal the Node pipeline', async () => {
    // Back to the original series in the active viewport, as a radiologist would click its thumbnail.
    const run = await (async () => {
      await suite.browser.page.evaluate(() => {
        const s = (window as any).services;
        const grid = s.viewportGridService.getState();
        s.viewportGridService.setActiveViewportId([...grid.viewports.keys()][0]);
      });
      return clickAndWaitForRun(suite.browser.page, 'NaDenoiseNLM');
    })();
    expect(run).toMatchObject({ method: 'NLM', backend: 'wasm-simd' });
    const nlm = nodePipeline('nlm');
    expect(maxAbsDiff(run.data, nlm.data)).toBeLessThan(1e-3 * range(nlm.data));
    expect(Math.abs(run.metrics.psnr - nlm.metrics!.psnr)).toBeLessThan(0.05);
    expect(Math.abs(run.metrics.ssim - nlm.metrics!.ssim)).toBeLessThan(0.005);
    const texts = await overlayTexts(suite.browser.page);
    expect(texts.join(' ')).toContain('Na NLM denoised');
    await suite.browser.page.waitForTimeout(1500);
    await suite.browser.page.screenshot({ path: path.join(ARTIFACTS, 'viewer-comparison.png') });
  });

  it('the DA on the Web Workers equals the DA on the page thread voxel for voxel', async () => {
    const out = await suite.browser.page.evaluate(async () => {
      const h = (window as any).__naDenoise;
      const { dims } = h.lastRun;
      const input: Float32Array = (await h.readVolume(h.lastRun.sourceDisplaySetInstanceUID)).data;
      // A central 20×20×12 slab (inside the head, no air: the whole crop is denoised), cut along z by the pool.
      const [nx, ny, nz] = dims;
      const [cx, cy, cz] = [20, 20, 12];
      const crop = new Float32Array(cx * cy * cz);
      for (let k = 0; k < cz; k++)
        for (let j = 0; j < cy; j++)
          for (let i = 0; i < cx; i++) {
            const src = (nx - cx) / 2 + i + nx * ((ny - cy) / 2 + j + ny * ((nz - cz) / 2 + k));
            crop[i + cx * (j + cy * k)] = input[src];
          }
      const page = await h.denoise({ data: crop, dims: [cx, cy, cz] }, { method: 'da' }, 'wasm');
      const workers = await h.denoise({ data: crop, dims: [cx, cy, cz] }, { method: 'da' }, 'wasm-workers');
      let differ = 0;
      for (let i = 0; i < crop.length; i++) if (page.data[i] !== workers.data[i]) differ++;
      let changed = 0;
      for (let i = 0; i < crop.length; i++) if (page.data[i] !== crop[i]) changed++;
      return { differ, changed, backends: [page.backend, workers.backend] };
    });
    expect(out.backends[0]).toBe('wasm');
    expect(out.backends[1]).toMatch(/^wasm×[2-8]$/);
    expect(out.changed).toBeGreaterThan(1000);
    expect(out.differ).toBe(0);
  });

  it('WebGL (SwiftShader) agrees with WASM on a crop', async () => {
    const out = await suite.browser.page.evaluate(async () => {
      const h = (window as any).__naDenoise;
      const r = { dims: h.lastRun.dims, input: (await h.readVolume(h.lastRun.sourceDisplaySetInstanceUID)).data };
      const [nx, ny] = r.dims;
      const n = 12;
      const crop = new Float32Array(n * n * n);
      const o = [Math.floor(nx / 2 - n / 2), Math.floor(ny / 2 - n / 2), Math.floor(r.dims[2] / 2 - n / 2)];
      for (let k = 0; k < n; k++)
        for (let j = 0; j < n; j++)
          for (let i = 0; i < n; i++) crop[i + n * (j + n * k)] = r.input[o[0] + i + nx * (o[1] + j + ny * (o[2] + k))];
      const wasm = await h.denoise({ data: crop, dims: [n, n, n] }, { method: 'da' }, 'wasm');
      const webgl = await h.denoise({ data: crop, dims: [n, n, n] }, { method: 'da' }, 'webgl');
      let m = 0,
        lo = Infinity,
        hi = -Infinity;
      for (let i = 0; i < crop.length; i++) {
        m = Math.max(m, Math.abs(wasm.data[i] - webgl.data[i]));
        lo = Math.min(lo, wasm.data[i]);
        hi = Math.max(hi, wasm.data[i]);
      }
      await h.denoise({ data: crop, dims: [n, n, n] }, { method: 'da' }, 'wasm'); // leave WASM active
      return {
        maxDiff: m,
        range: hi - lo,
        backends: [wasm.backend, webgl.backend],
        millis: [wasm.millis, webgl.millis],
      };
    });
    expect(out.backends).toEqual(['wasm', 'webgl']);
    // WebGL computes in float32 with different summation order (and may use 16-bit textures): 1 % of the range.
    expect(out.maxDiff).toBeLessThan(0.01 * out.range);
  });

  it('"Save" with the dicomjson source downloads a DERIVED MR series; the originals are untouched', async () => {
    const page = suite.browser.page;
    await activateDenoisedViewport(page);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.click('[data-cy="NaSaveToPacs"]'),
    ]);
    const zip = unzipSync(new Uint8Array(fs.readFileSync(await download.path())));
    const files = Object.values(zip);
    const run = await lastRun(page);
    expect(files).toHaveLength(run.dims[2]);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(
      dcmjs.data.DicomMessage.readFile(files[0].slice().buffer).dict,
    );
    expect(ds.ImageType).toEqual(expect.arrayContaining(['DERIVED', 'SECONDARY']));
    expect(String(ds.ImageComments)).toContain(researchLabel(run.method));
    expect(ds.ImagedNucleus).toBe('23Na');
    const sourceFiles = fs.readdirSync(path.join(demoDir, 'acq-1'));
    expect(sourceFiles).toHaveLength(SIZE);
  });

  it('Cancel stops the run and registers nothing', async () => {
    const page = suite.browser.page;
    const count = () => page.evaluate(() => (window as any).services.displaySetService.getActiveDisplaySets().length);
    const before = await count();
    await page.evaluate(() => {
      const s = (window as any).services;
      s.viewportGridService.setActiveViewportId([...s.viewportGridService.getState().viewports.keys()][0]);
    });
    // The DA, cancelled mid-run. With the series' input kept from earlier runs the whole run can end in about a
    // second, so a click from the test could land after it (CI saw the panel close under Playwright's click): the page
    // presses Cancel itself at the run's first progress message, and records that the run was still going.
    await page.evaluate(() => {
      const w = window as any;
      w.__cancelPressed = null;
      const observer = new MutationObserver(() => {
        const text = document.querySelector('[data-cy="na-progress-text"]')?.textContent ?? '';
        const cancel = document.querySelector<HTMLButtonElement>('[data-cy="na-cancel"]');
        if (!cancel || text === '' || text === 'Starting…') return;
        observer.disconnect();
        w.__cancelPressed = { text, busy: w.__naDenoise.busy };
        cancel.click();
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await page.click('[data-cy="NaDenoise"]');
    await page.waitForFunction(() => (window as any).__cancelPressed !== null, null, { timeout: 30_000 });
    await page.waitForFunction(() => !(window as any).__naDenoise.busy, null, { timeout: 60_000 });
    const pressed = await page.evaluate(() => (window as any).__cancelPressed);
    expect(pressed.busy).toBe(true);
    expect(await count()).toBe(before);
    expect(await page.$('[data-cy="na-progress"]')).toBeNull();
  });

  it('logged no errors to the console', () => {
    expect(suite.browser.errors).toEqual([]);
  });

  it("adds the buttons to the stock modes too (OHIF's /viewer route), first in the primary toolbar", async () => {
    const page = suite.browser.page;
    const before = suite.browser.errors.length;
    await page.goto(suite.server.url.replace('/sodium/', '/viewer/'));
    await waitForViewer(page);
    const ids = await page.evaluate(() =>
      Array.from(document.querySelectorAll('[data-cy]'))
        .map((e) => e.getAttribute('data-cy'))
        .filter((id) => id && !id.endsWith('-btn') && id !== 'return-to-work-list')
        .slice(0, 4),
    );
    expect(ids).toEqual(['NaDenoise', 'NaDenoiseNLM', 'NaAdaptDA', 'NaSaveToPacs']);
    expect(suite.browser.errors.slice(before)).toEqual([]);
  });
});
