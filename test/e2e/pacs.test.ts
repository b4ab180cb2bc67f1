// End to end with a real PACS: `npm start -- --pacs` (Orthanc + DICOMweb plugin behind the same-origin proxy) →
// Chromium → "Denoise Na" (DA on WASM) → "Save Na to PACS" → the new DERIVED series found through QIDO-RS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  activateDenoisedViewport,
  ARTIFACTS,
  E2E_DEMO_SIZE,
  ROOT,
  viewerSuite,
  clickAndWaitForRun,
  lastRun,
  overlayTexts,
  waitForViewer,
  type Browser,
} from './harness';
import { RESEARCH_LABEL } from '../../src/extension/id';
import { parseDicomFiles } from '../../src/io/dicom/read';

/** The shipped DA's model card (name, version and, when recorded, the weights' sha256). */
const card = JSON.parse(fs.readFileSync(path.join(ROOT, 'weights', 'da', 'model-card.json'), 'utf8')) as {
  name: string;
  version: string;
  sha256?: string;
};
const SIZE = E2E_DEMO_SIZE;
const suite = viewerSuite('pacs', ['--pacs']);

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;
const value = (ds: DicomJson, tag: string) => ds[tag]?.Value?.[0];

async function qido<T = DicomJson[]>(p: string): Promise<T> {
  const r = await fetch(`${suite.server.origin}/dicom-web${p}`, { headers: { Accept: 'application/dicom+json' } });
  if (!r.ok) throw new Error(`QIDO ${p}: HTTP ${r.status}`);
  return (r.status === 204 ? [] : await r.json()) as T;
}

interface PacsSeries {
  number: number;
  dims: [number, number, number];
  origin: [number, number, number];
  data: Float32Array;
}

/** The single part of a multipart/related WADO-RS answer (one instance). */
function onlyPart(body: Buffer, contentType: string): ArrayBuffer {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`WADO-RS answer is not multipart: ${contentType}`);
  const start = body.indexOf('\r\n\r\n', body.indexOf(`--${boundary}`)) + 4;
  const end = body.indexOf(`\r\n--${boundary}`, start);
  const part = body.subarray(start, end);
  return part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength) as ArrayBuffer;
}

/** A series as stored on the PACS: every instance retrieved with WADO-RS and read by our DICOM reader. */
async function pacsSeries(study: string, series: string): Promise<PacsSeries> {
  const instances = await qido(`/studies/${study}/series/${series}/instances`);
  const files = await Promise.all(
    instances.map(async (i) => {
      const sop = String(value(i, '00080018'));
      const r = await fetch(`${suite.server.origin}/dicom-web/studies/${study}/series/${series}/instances/${sop}`, {
        headers: { Accept: 'multipart/related; type="application/dicom"' },
      });
      if (!r.ok) throw new Error(`WADO-RS ${sop}: HTTP ${r.status}`);
      return { name: sop, bytes: onlyPart(Buffer.from(await r.arrayBuffer()), r.headers.get('content-type') ?? '') };
    }),
  );
  const [s] = parseDicomFiles(files);
  const v = s.volume;
  return {
    number: Number(s.seriesNumber),
    dims: v.dims,
    origin: [...v.origin] as [number, number, number],
    data: v.data,
  };
}

interface BrowserRead {
  seriesInstanceUID: string;
  dims: [number, number, number];
  origin: [number, number, number];
  data: Float32Array;
}

/** The active series and its repeats as a "Denoise Na" run reads them (window.__naDenoise.readSeries). */
async function readSeriesInBrowser(page: Browser['page']): Promise<BrowserRead[]> {
  const reads = await page.evaluate(async () => {
    const h = (window as any).__naDenoise;
    const out = await h.readSeries();
    return out.map((r: any) => {
      const bytes = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { seriesInstanceUID: r.seriesInstanceUID, dims: r.dims, origin: r.origin, b64: btoa(bin) };
    });
  });
  return reads.map((r: { b64: string } & Omit<BrowserRead, 'data'>) => {
    const b = Buffer.from(r.b64, 'base64');
    return { ...r, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
  });
}

/** Largest absolute difference between two slices. */
function sliceDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('viewer with Orthanc (DICOMweb)', () => {
  const studyUid = () => new URL(suite.server.url).searchParams.get('StudyInstanceUIDs')!;

  it('opened the uploaded demo study from Orthanc through the proxy', async () => {
    expect(suite.server.url).toMatch(/\/sodium\/orthanc\?StudyInstanceUIDs=/);
    const series = await qido(`/studies/${studyUid()}/series`);
    expect(series).toHaveLength(3);
  });

  it('reads every slice of every series exactly as stored on the PACS (5 page loads)', async () => {
    const page = suite.browser.page;
    const stored = new Map<string, PacsSeries>();
    const wrong: string[] = [];
    let compared = 0;
    for (let run = 1; run <= 5; run++) {
      if (run > 1) {
        await page.reload();
        await waitForViewer(page);
      }
      const reads = await readSeriesInBrowser(page);
      expect(reads).toHaveLength(3);
      for (const r of reads) {
        if (!stored.has(r.seriesInstanceUID))
          stored.set(r.seriesInstanceUID, await pacsSeries(studyUid(), r.seriesInstanceUID));
        const truth = stored.get(r.seriesInstanceUID)!;
        expect(r.dims).toEqual(truth.dims);
        for (let c = 0; c < 3; c++) expect(r.origin[c]).toBeCloseTo(truth.origin[c], 2);
        const n = r.dims[0] * r.dims[1];
        const tol = 1e-4 * truth.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0); // float rounding of the rescale
        for (let k = 0; k < r.dims[2]; k++) {
          compared++;
          const got = r.data.subarray(k * n, (k + 1) * n);
          if (sliceDiff(got, truth.data.subarray(k * n, (k + 1) * n)) <= tol) continue;
          const like = [k - 1, k + 1].find(
            (j) => j >= 0 && j < r.dims[2] && sliceDiff(got, truth.data.subarray(j * n, (j + 1) * n)) <= tol,
          );
          wrong.push(
            `run ${run}, series ${truth.number} slice ${k + 1}${like !== undefined ? ` = slice ${like + 1}` : ''}`,
          );
        }
      }
    }
    expect(compared).toBe(5 * 3 * SIZE);
    expect(wrong).toEqual([]);
  });

  it('opens on the middle slice, names the study, shows long names whole in a tooltip, and has the Sodium panel', async () => {
    const page = suite.browser.page;
    const shown = await page.evaluate(() => {
      const cs = (window as any).cornerstone;
      const vp = cs.getEnabledElements()[0].viewport;
      return { index: vp.getCurrentImageIdIndex(), count: vp.getImageIds().length };
    });
    expect(shown.count).toBe(SIZE);
    expect(Math.abs(shown.index - Math.floor(SIZE / 2))).toBeLessThanOrEqual(1);
    await page.waitForFunction(() => !!document.querySelector('[title="23Na 3D radial, acquisition 1 of 3"]'), null, {
      timeout: 30_000,
    });
    const panel = await page.evaluate(() => {
      const el = document.querySelector('[data-cy="na-panel"]') as HTMLElement;
      const title = (cy: string) => (document.querySelector(`[data-cy="${cy}"]`) as HTMLElement)?.title ?? '';
      return { text: el.innerText, da: title('na-panel-da'), nlm: title('na-panel-nlm'), save: title('na-panel-save') };
    });
    expect(panel.text).toMatch(/Denoise \(DA\)[\s\S]*Denoise \(NLM\)[\s\S]*Save to PACS/);
    expect(panel.text).toContain('Acts on "23Na 3D radial, acquisition 1 of 3"');
    expect(panel.da).toMatch(/selected 23Na series/);
    expect(panel.save).toMatch(/Not available/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'sodium-panel-and-toolbar.png') });
    // The study list: the demo's StudyDescription from the PACS, not "No Description".
    try {
      await page.goto(`${suite.server.origin}/`);
      await page.waitForFunction(() => document.body.innerText.includes('NA-DEMO-001'), null, { timeout: 60_000 });
      expect(await page.evaluate(() => document.body.innerText)).toContain('23Na MRI brain (synthetic demo)');
    } finally {
      await page.goto(suite.server.url);
      await waitForViewer(page);
    }
  });

  it('denoises, stores the derived series with STOW-RS, and QIDO-RS finds it with the right references', async () => {
    const page = suite.browser.page;
    const run = await clickAndWaitForRun(page, 'NaDenoise');
    expect(run).toMatchObject({ method: 'DA' });
    expect(run.backend).toMatch(/^wasm×[2-8]$/); // one Web Worker per core
    await activateDenoisedViewport(page);
    await page.click('[data-cy="NaSaveToPacs"]');
    const saved = await page.waitForFunction(() => (window as any).__naDenoise.lastRun?.savedSeriesInstanceUID, null, {
      timeout: 120_000,
    });
    const savedUid = (await saved.jsonValue()) as string;

    const series = await qido(`/studies/${studyUid()}/series`);
    expect(series).toHaveLength(4);
    const derived = series.find((s) => value(s, '0020000E') === savedUid)!;
    expect(value(derived, '0008103E')).toBe('Na DA denoised');
    expect(value(derived, '00080060')).toBe('MR');

    const sourceSeriesUid = (await page.evaluate(() => {
      const s = (window as any).services;
      return s.displaySetService.getActiveDisplaySets().find((d: any) => d.SeriesNumber === 1).SeriesInstanceUID;
    })) as string;
    const meta = await qido(`/studies/${studyUid()}/series/${savedUid}/metadata`);
    expect(meta).toHaveLength(run.dims[2]);
    const first = meta[0];
    expect(first['00080008'].Value).toEqual(expect.arrayContaining(['DERIVED', 'SECONDARY']));
    expect(String(value(first, '00204000'))).toContain(RESEARCH_LABEL);
    expect(value(first, '00180085')).toBe('23Na');
    const refSeries = value(first, '00081115') as DicomJson; // ReferencedSeriesSequence
    expect(value(refSeries, '0020000E')).toBe(sourceSeriesUid);
    const sourceImage = value(first, '00082112') as DicomJson; // SourceImageSequence
    const sourceSops = (await qido(`/studies/${studyUid()}/series/${sourceSeriesUid}/instances`)).map((i) =>
      value(i, '00080018'),
    );
    expect(sourceSops).toContain(value(sourceImage, '00081155'));
    // The originals are untouched: still the same number of images in each acquisition.
    for (const s of series.filter((x) => value(x, '0020000E') !== savedUid)) expect(value(s, '00201209')).toBe(SIZE);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-pacs-saved.png') });
  });

  it('saving the same result again stores nothing new; the series is numbered after the study; DerivationDescription names the model', async () => {
    const page = suite.browser.page;
    const run = await lastRun(page);
    const saves = () => page.evaluate(() => (window as any).__naDenoise.saveCount as number);
    const before = await saves();
    await page.click('[data-cy="NaSaveToPacs"]');
    await page.waitForFunction((n) => (window as any).__naDenoise.saveCount > n, before, {
      timeout: 120_000,
    });
    const series = await qido(`/studies/${studyUid()}/series`);
    expect(series).toHaveLength(4);
    const saved = series.find((x) => value(x, '0020000E') === run.savedSeriesInstanceUID)!;
    expect(value(saved, '00201209')).toBe(SIZE);
    expect(Number(value(saved, '00200011'))).toBe(4); // after acquisitions 1–3
    expect(run.seriesInstanceUID).toBe(run.savedSeriesInstanceUID);
    const meta = await qido(`/studies/${studyUid()}/series/${run.savedSeriesInstanceUID}/metadata`);
    const derivation = String(value(meta[0], '00082111'));
    expect(derivation).toContain(`model=${card.name}`);
    expect(derivation).toContain(`modelVersion=${card.version}`);
    if (card.sha256) expect(derivation).toContain(`modelSha256=${card.sha256}`);
    expect(derivation).not.toMatch(/weights|https?:|\/na\//);
    const texts = await overlayTexts(page);
    expect(texts.join(' ')).toContain(`model ${card.name} ${card.version}`);
  });

  it('NLM from its dialog on the selected denoised series acts on the source; NLM is not labelled as trained', async () => {
    const page = suite.browser.page;
    const da = await lastRun(page);
    const run = await clickAndWaitForRun(page, 'NaDenoiseNLM', 600_000, {
      patchRadius: 1,
      blockRadius: 2,
      sigma: 'auto',
    });
    expect(run.method).toBe('NLM');
    expect(run.selectedSeriesInstanceUID).toBe(da.seriesInstanceUID);
    expect(run.input).toEqual(da.input); // the source acquisition, not the DA result
    expect(run.parameters).toMatchObject({ patchRadius: 1, blockRadius: 2, rician: true });
    expect(run.seriesNumber).toBeGreaterThan(da.seriesNumber!);
    const nlmText = (await overlayTexts(page)).find((t) => t.includes('Na NLM denoised'))!;
    expect(nlmText).toContain('Research use');
    expect(nlmText).not.toMatch(/trained|synthetic/);
  });

  it('a repeat NLM run with the same source and parameters replaces the earlier result', async () => {
    const page = suite.browser.page;
    const first = await lastRun(page);
    const sets = () =>
      page.evaluate(() =>
        (window as any).services.displaySetService
          .getActiveDisplaySets()
          .map((d: any) => `${d.SeriesNumber} ${d.SeriesDescription} ${d.SeriesInstanceUID}`),
      );
    const before = await sets();
    await page.evaluate(() => {
      const s = (window as any).services;
      s.viewportGridService.setActiveViewportId([...s.viewportGridService.getState().viewports.keys()][0]);
    });
    const again = await clickAndWaitForRun(page, 'NaDenoiseNLM', 600_000, { patchRadius: 1, blockRadius: 2 });
    expect(again.count).toBe(first.count + 1);
    expect(again.seriesInstanceUID).toBe(first.seriesInstanceUID);
    expect(again.seriesNumber).toBe(first.seriesNumber);
    const after = await sets();
    expect(after).toHaveLength(before.length);
    expect(after.filter((x: string) => x.includes(first.seriesInstanceUID!))).toHaveLength(1);
  });

  it('logged no errors to the console', () => {
    expect(suite.browser.errors).toEqual([]);
  });
});
