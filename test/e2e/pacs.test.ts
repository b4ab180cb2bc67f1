// End to end with a real PACS: `npm start -- --pacs` (Orthanc + DICOMweb plugin behind the same-origin proxy) →
// Chromium → "Denoise Na" (DA on WASM) → "Save Na to PACS" → the new DERIVED series found through QIDO-RS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, E2E_DEMO_SIZE, viewerSuite, clickAndWaitForRun, waitForViewer, type Browser } from './harness';
import { RESEARCH_LABEL } from '../../src/extension/id';
import { parseDicomFiles } from '../../src/io/dicom/read';

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

  it('denoises, stores the derived series with STOW-RS, and QIDO-RS finds it with the right references', async () => {
    const page = suite.browser.page;
    const run = await clickAndWaitForRun(page, 'NaDenoise');
    expect(run).toMatchObject({ method: 'DA', backend: 'wasm' });
    await page.evaluate(() => {
      const s = (window as any).services;
      const grid = s.viewportGridService.getState();
      const id = [...grid.viewports.entries()].find(
        ([, v]: any) => s.displaySetService.getDisplaySetByUID(v.displaySetInstanceUIDs[0])?.isNaDenoised,
      )![0];
      s.viewportGridService.setActiveViewportId(id);
    });
    await page.waitForFunction(
      () => !document.querySelector('[data-cy="NaSaveToPacs"]')?.className.includes('cursor-not-allowed'),
      null,
      { timeout: 30_000 },
    );
    await page.click('[data-cy="NaSaveToPacs"]');
    const saved = await page.waitForFunction(
      () => (window as any).__naDenoise.lastResult?.savedSeriesInstanceUID,
      null,
      { timeout: 120_000 },
    );
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

  it('logged no errors to the console', () => {
    expect(suite.browser.errors).toEqual([]);
  });
});
