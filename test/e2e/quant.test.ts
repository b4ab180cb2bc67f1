// Quantitative sodium in the viewer, end to end with a real PACS (`npm start -- --pacs`, Orthanc) and Chromium:
// "Na concentration map" on the demo's original series (tube fit within 1 mM of the phantom's known concentrations,
// read over the phantom's own tube voxels), an ellipse ROI drawn with Cornerstone's tool read out in mM, the mM series
// saved and read back through QIDO-RS / WADO-RS with its Real World Value Mapping; then DA, the concentration map of
// the denoised series, and the residual view (input − denoised); then tubes placed by clicking them ("Place tubes":
// Cornerstone's Probe markers), a click in air and a second click on one tube refused, and the map from the placed
// tubes. Screenshots: test-artifacts/quant-*.png. Runtime ≈ 3–5 min on the shared two-core machine (one DA run at 48³
// dominates; the placed-tubes test alone ≈ 20–40 s).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, viewerSuite, clickAndWaitForRun, activateDenoisedViewport, E2E_DEMO_SIZE } from './harness';
import { generateSubject } from '../../src/phantom/subject';
import { demoPhantomParams } from '../../src/server/demo';
import { erode } from '../../src/core/mask';
import { createVolume, type Vec3, type Volume } from '../../src/core/volume';
import { planarRoiStats } from '../../src/core/roi';
import { parseDicomFiles } from '../../src/io/dicom/read';
import { getItems, getNumber } from '../../src/io/dicom/values';
import type { PlacedTube, QuantSummary, RoiReadout } from '../../src/extension/naDenoiseService';

const suite = viewerSuite('quant', ['--pacs']);

interface Hook {
  lastQuant?: QuantSummary;
  lastRoi?: RoiReadout;
  placedTubes: PlacedTube[];
  placingTubes: boolean;
  tubeMessage?: string;
  saveCount: number;
  lastSave?: string;
  errors: string[];
  readVolume(uid: string): Promise<{ dims: number[]; data: Float32Array }>;
}

/** Clicks a button and waits for a new concentration map or residual (or an error); returns the hook's summary. */
async function clickForQuant(page: Page, button: string): Promise<QuantSummary> {
  const before = await page.evaluate(() => {
    const h = (window as unknown as { __naDenoise: Hook }).__naDenoise;
    return { uid: h.lastQuant?.displaySetInstanceUID, errors: h.errors.length };
  });
  await page.click(`[data-cy="${button}"]`);
  await page.waitForFunction(
    (b) => {
      const h = (window as unknown as { __naDenoise: Hook }).__naDenoise;
      return h.errors.length > b.errors || (!!h.lastQuant && h.lastQuant.displaySetInstanceUID !== b.uid);
    },
    before,
    { timeout: 180_000, polling: 250 },
  );
  return page.evaluate(() => {
    const h = (window as unknown as { __naDenoise: Hook }).__naDenoise;
    if (!h.lastQuant || h.errors.length) throw new Error(`no result; errors: ${h.errors.join(' | ')}`);
    return h.lastQuant;
  });
}

async function readVolume(page: Page, uid: string): Promise<number[]> {
  return page.evaluate(
    async (u) => Array.from((await (window as unknown as { __naDenoise: Hook }).__naDenoise.readVolume(u)).data),
    uid,
  );
}

/** Makes the viewport showing `displaySetInstanceUID` the active one. */
async function activate(page: Page, displaySetInstanceUID: string): Promise<void> {
  await page.evaluate((uid) => {
    const s = (window as any).services;
    const entry = [...s.viewportGridService.getState().viewports.entries()].find(
      ([, v]: any) => v.displaySetInstanceUIDs[0] === uid,
    );
    if (!entry)
      throw new Error(
        `no viewport shows ${uid}: ${JSON.stringify([...s.viewportGridService.getState().viewports.entries()].map(([id, v]: any) => [id, v.displaySetInstanceUIDs]))}`,
      );
    s.viewportGridService.setActiveViewportId(entry[0]);
  }, displaySetInstanceUID);
}

/**
 * Clicks the point (patient mm, on the slice shown) in the viewport showing `displaySetInstanceUID`, with whatever
 * tool holds the primary button.
 */
async function clickAt(page: Page, displaySetInstanceUID: string, xy: number[]): Promise<void> {
  const at = await page.evaluate(
    ({ uid, p }) => {
      const s = (window as any).services;
      const id = [...s.viewportGridService.getState().viewports.entries()].find(
        ([, v]: any) => v.displaySetInstanceUIDs[0] === uid,
      )![0];
      const vp = s.cornerstoneViewportService.getCornerstoneViewport(id);
      const c = vp.worldToCanvas([p[0], p[1], vp.getCamera().focalPoint[2]]);
      const r = vp.canvas.getBoundingClientRect();
      return [r.left + (c[0] * r.width) / vp.canvas.clientWidth, r.top + (c[1] * r.height) / vp.canvas.clientHeight];
    },
    { uid: displaySetInstanceUID, p: xy },
  );
  await page.mouse.click(at[0], at[1]);
}

/** The hook's placed tubes and last refusal, once there are `count` tubes and the refusal matches `message`. */
async function waitForTubes(
  page: Page,
  want: { count?: number; message?: RegExp },
): Promise<{ tubes: PlacedTube[]; message?: string }> {
  await page.waitForFunction(
    ({ count, message }) => {
      const h = (window as any).__naDenoise;
      return (
        (count === undefined || h.placedTubes.length === count) &&
        (message === undefined || new RegExp(message).test(h.tubeMessage ?? ''))
      );
    },
    { count: want.count, message: want.message?.source },
    { timeout: 30_000, polling: 100 },
  );
  return page.evaluate(() => {
    const h = (window as any).__naDenoise;
    return { tubes: h.placedTubes.map((t: PlacedTube) => ({ ...t })), message: h.tubeMessage };
  });
}

function meanOver(data: ArrayLike<number>, mask: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      sum += data[i];
      n++;
    }
  return sum / n;
}

/** A mM map read over each of the phantom's tubes, one voxel in from its edge, gives its known concentration ± 1 mM. */
function expectTubeCoresRead(data: ArrayLike<number>, subject: ReturnType<typeof generateSubject>): void {
  const { dims, spacing } = subject.acquisitions[0];
  for (const t of subject.tubes) {
    const core = erode(
      subject.tubeMask.map((v) => (v === t.label ? 1 : 0)),
      dims,
      spacing,
      Math.min(...spacing),
    );
    expect(Math.abs(meanOver(data, core) - t.concentrationMM)).toBeLessThan(1);
  }
}

describe('quantitative sodium in the viewer (--pacs)', () => {
  const demo = () => JSON.parse(fs.readFileSync(path.join(suite.demoDir, 'demo.json'), 'utf8'));
  /** The demo's phantom subject, regenerated: its tubes, their voxels and concentrations. */
  const phantom = () => generateSubject(demoPhantomParams(E2E_DEMO_SIZE, demo().seed), 0);
  let mapUid = '';
  let mapSeries = '';
  let mapVolume: Volume;
  let originalSlope = NaN;
  let inputUid = '';

  it('maps the original to mM: tubes found, the map reads their known concentrations within 1 mM', async () => {
    const { page } = suite.browser;
    const q = await clickForQuant(page, 'NaConcentrationMap');
    const subject = phantom();
    expect(q.kind).toBe('concentration');
    expect(q.tubeSource).toBe('detected');
    expect(q.tubes!.map((t) => t.concentrationMM)).toEqual([50, 100]);
    expect(q.calibration!.r2).toBeCloseTo(1, 9);
    const acq = subject.acquisitions[0];
    // Each detected tube sits on a phantom tube's axis (within a voxel).
    for (const t of q.tubes!) {
      const truth = subject.tubes.find((p) => p.concentrationMM === t.concentrationMM)!;
      expect(Math.hypot(t.centreMm[0] - truth.centreMm[0], t.centreMm[1] - truth.centreMm[1])).toBeLessThan(
        acq.spacing[0],
      );
    }
    const data = Float32Array.from(await readVolume(page, q.displaySetInstanceUID));
    mapVolume = createVolume({ ...acq, dims: acq.dims, data });
    // Read over the phantom's own tube voxels, one voxel in from their edge: the known concentrations, within 1 mM.
    expectTubeCoresRead(data, subject);
    const text = await page.textContent('[data-cy="na-quant-text"]');
    expect(text).toMatch(/2 tubes \(detected\).*r² 1\.0000/);
    mapUid = q.displaySetInstanceUID;
    originalSlope = q.calibration!.slope;
    inputUid = q.inputDisplaySetInstanceUID;
    mapSeries = q.seriesInstanceUID;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'quant-concentration-map.png') });
    // Input | map side by side: the left viewport shows what the map was computed from.
    const shown = await page.evaluate(() => {
      const s = (window as any).services;
      return [...s.viewportGridService.getState().viewports.values()].map((v: any) => v.displaySetInstanceUIDs[0]);
    });
    expect(shown).toEqual([q.inputDisplaySetInstanceUID, q.displaySetInstanceUID]);
  });

  it('reads an ellipse drawn with Cornerstone’s tool on the map out in mM (mean ± SD over the map’s voxels)', async () => {
    const { page } = suite.browser;
    await activate(page, mapUid);
    const tube = phantom().tubes.find((t) => t.concentrationMM === 100)!;
    // Canvas position of the 100 mM tube on the slice shown, then a drag with the EllipticalROI tool around it.
    const box = await page.evaluate(
      ({ uid, centre }) => {
        const w = window as any;
        const s = w.services;
        const id = [...s.viewportGridService.getState().viewports.entries()].find(
          ([, v]: any) => v.displaySetInstanceUIDs[0] === uid,
        )![0];
        const vp = s.cornerstoneViewportService.getCornerstoneViewport(id);
        const z = vp.getCamera().focalPoint[2];
        const toPage = (p: number[]) => {
          const c = vp.worldToCanvas(p);
          const r = vp.canvas.getBoundingClientRect();
          return [
            r.left + (c[0] * r.width) / vp.canvas.clientWidth,
            r.top + (c[1] * r.height) / vp.canvas.clientHeight,
          ];
        };
        // The user's way: the primary button's tool (window/level) steps aside for the ellipse.
        const group = w.cornerstoneTools.ToolGroupManager.getToolGroup('default');
        const primary = group.getActivePrimaryMouseButtonTool();
        if (primary) group.setToolPassive(primary);
        group.setToolActive('EllipticalROI', { bindings: [{ mouseButton: 1 }] });
        // EllipticalROI draws from its centre outwards.
        return { a: toPage([centre[0], centre[1], z]), b: toPage([centre[0] + 8, centre[1] + 8, z]) };
      },
      { uid: mapUid, centre: tube.centreMm },
    );
    await page.mouse.move(box.a[0], box.a[1]);
    await page.mouse.down();
    await page.mouse.move((box.a[0] + box.b[0]) / 2, (box.a[1] + box.b[1]) / 2, { steps: 4 });
    await page.mouse.move(box.b[0], box.b[1], { steps: 4 });
    await page.mouse.up();
    await page
      .waitForFunction(() => !!(window as any).__naDenoise.lastRoi, null, { timeout: 30_000 })
      .catch(async (e) => {
        await page.screenshot({ path: path.join(ARTIFACTS, 'quant-roi-failed.png') });
        const state = await page.evaluate(() => {
          const w = window as any;
          const s = w.services;
          const id = s.viewportGridService.getActiveViewportId();
          const uid = s.viewportGridService.getDisplaySetsUIDsForViewport(id)?.[0];
          const ds = s.displaySetService.getDisplaySetByUID(uid);
          const anns = w.cornerstoneTools.annotation.state.getAllAnnotations();
          return JSON.stringify({
            id,
            role: ds?.naRole,
            forDs: ds?.FrameOfReferenceUID,
            anns: anns.map((a: any) => ({
              tool: a.metadata?.toolName,
              for: a.metadata?.FrameOfReferenceUID,
              n: a.data?.handles?.points?.length,
            })),
            errors: w.__naDenoise.errors,
          });
        });
        throw new Error(`${(e as Error).message}; state ${state}; box ${JSON.stringify(box)}`);
      });
    const roi = await page.evaluate(() => (window as any).__naDenoise.lastRoi as RoiReadout);
    const points = await page.evaluate(
      (uid) =>
        (window as any).cornerstoneTools.annotation.state.getAllAnnotations().find((a: any) => a.annotationUID === uid)
          .data.handles.points as number[][],
      roi.annotationUID,
    );
    // The readout is the map's own statistics inside the drawn ellipse, and over the tube it reads ≈ 100 mM.
    const expected = planarRoiStats(mapVolume, { shape: 'ellipse', points: points as Vec3[] });
    expect(roi.mean).toBeCloseTo(expected.mean, 3);
    expect(roi.voxels).toBe(expected.voxels);
    expect(Math.abs(roi.mean - 100)).toBeLessThan(15);
    // The panel renders the service's readout on its next update, a moment after the annotation event.
    const readout = await page
      .waitForFunction(
        () => {
          const text = document.querySelector('[data-cy="na-roi-readout"]')?.textContent ?? '';
          return /^ROI \d/.test(text) ? text : false;
        },
        null,
        { timeout: 15_000 },
      )
      .then((h) => h.jsonValue());
    expect(readout).toMatch(/^ROI \d+\.\d ± \d+\.\d mM/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'quant-roi-readout.png') });
    await page.evaluate(() =>
      (window as any).cornerstoneTools.ToolGroupManager.getToolGroup('default').setToolPassive('EllipticalROI'),
    );
  });

  it('saves the mM series to the PACS: QIDO finds it, WADO-RS returns it with its Real World Value Mapping in mmol/L', async () => {
    const { page } = suite.browser;
    const { origin } = suite.server;
    await activate(page, mapUid);
    const saves = await page.evaluate(() => (window as any).__naDenoise.saveCount as number);
    await page.click('[data-cy="NaSaveToPacs"]');
    await page.waitForFunction((n) => (window as any).__naDenoise.saveCount > n, saves, { timeout: 120_000 });
    const study = demo().studyInstanceUid as string;
    const qido = await fetch(`${origin}/dicom-web/studies/${study}/series?SeriesInstanceUID=${mapSeries}`, {
      headers: { Accept: 'application/dicom+json' },
    });
    const found = (await qido.json()) as Array<Record<string, { Value?: unknown[] }>>;
    expect(found).toHaveLength(1);
    expect(String(found[0]['0008103E']?.Value?.[0])).toBe('Na mM (original)');
    // WADO-RS metadata carries the mapping; one retrieved instance gives the map's voxels through it.
    const meta = (await (
      await fetch(`${origin}/dicom-web/studies/${study}/series/${mapSeries}/metadata`, {
        headers: { Accept: 'application/dicom+json' },
      })
    ).json()) as Array<Record<string, { Value?: Array<Record<string, { Value?: unknown[] }>> }>>;
    expect(meta.length).toBe(mapVolume.dims[2]);
    const item = meta[0]['00409096']!.Value![0];
    expect(item['00409210']?.Value?.[0]).toBe('TSC');
    const units = (item['004008EA']?.Value?.[0] ?? {}) as Record<string, { Value?: unknown[] }>;
    expect([units['00080100']?.Value?.[0], units['00080102']?.Value?.[0]]).toEqual(['mmol/L', 'UCUM']);
    // The whole series by WADO-RS (multipart/related), read by our DICOM reader: the map's voxels in mM.
    const r = await fetch(`${origin}/dicom-web/studies/${study}/series/${mapSeries}`, {
      headers: { Accept: 'multipart/related; type="application/dicom"' },
    });
    const body = Buffer.from(await r.arrayBuffer());
    const boundary = /boundary="?([^";]+)"?/.exec(r.headers.get('content-type') ?? '')![1];
    const parts: Array<{ name: string; bytes: ArrayBuffer }> = [];
    for (let at = body.indexOf(`--${boundary}`); at >= 0;) {
      const start = body.indexOf('\r\n\r\n', at) + 4;
      const end = body.indexOf(`\r\n--${boundary}`, start);
      if (start < 4 || end < 0) break;
      const part = body.subarray(start, end);
      parts.push({
        name: `part${parts.length}`,
        bytes: part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength) as ArrayBuffer,
      });
      at = end + 2;
    }
    const [slice] = parseDicomFiles(parts);
    const [rwvm] = getItems(slice.header, 'RealWorldValueMappingSequence');
    expect(getNumber(rwvm, 'RealWorldValueSlope')).toBe(getNumber(slice.header, 'RescaleSlope'));
    expect(slice.volume.dims).toEqual(mapVolume.dims);
    let worst = 0;
    slice.volume.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - mapVolume.data[i]))));
    expect(worst).toBeLessThanOrEqual(getNumber(rwvm, 'RealWorldValueSlope')!);
  });

  it('maps the DA-denoised series with its own tubes, and shows the residual input − denoised', async () => {
    const { page } = suite.browser;
    // The original, shown left of the map (checked in the first test).
    await activate(page, inputUid);
    const run = await clickAndWaitForRun(page, 'NaDenoise');
    await activateDenoisedViewport(page);
    const onDenoised = await clickForQuant(page, 'NaConcentrationMap');
    expect(onDenoised.tubes!.map((t) => t.concentrationMM)).toEqual([50, 100]);
    expect(onDenoised.inputDisplaySetInstanceUID).toBe(run.displaySetInstanceUID);
    // The DA denoises the head only: the tubes are as acquired, so the calibration is the original's.
    expect(onDenoised.calibration!.slope).toBeCloseTo(originalSlope, 6);
    await page.screenshot({ path: path.join(ARTIFACTS, 'quant-concentration-map-denoised.png') });

    await activate(page, run.displaySetInstanceUID);
    const residual = await clickForQuant(page, 'NaResidual');
    expect(residual.kind).toBe('residual');
    const r = await readVolume(page, residual.displaySetInstanceUID);
    const input = run.input;
    const denoised = run.data;
    let worst = 0;
    r.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (input[i] - denoised[i])))));
    expect(worst).toBeLessThan(1e-3);
    // Outside the head (air, tubes) the DA leaves the input as is: the residual is exactly 0 there.
    expect(r.filter((v) => v === 0).length).toBeGreaterThan(0.3 * r.length);
    expect(await page.textContent('[data-cy="na-quant-text"]')).toMatch(/input − DA denoised: RMS/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'quant-residual.png') });
  });

  it('places two tubes by clicking them (air and a second click refused in one line), and maps through them', async () => {
    const { page } = suite.browser;
    const subject = phantom();
    const acq = subject.acquisitions[0];
    // The viewport showing the original acquisition (no role of ours), made active by the clicks below.
    const original = await page.evaluate(() => {
      const s = (window as any).services;
      return [...s.viewportGridService.getState().viewports.values()]
        .map((v: any) => s.displaySetService.getDisplaySetByUID(v.displaySetInstanceUIDs[0]))
        .find((d: any) => d && !d.naRole).displaySetInstanceUID as string;
    });
    // Nothing changes, nothing in the panel changes: it renders on events (it used to re-render every 700 ms), and a
    // render that finds nothing new writes nothing.
    const idleMutations = await page.evaluate(async () => {
      let n = 0;
      const observer = new MutationObserver((records) => (n += records.length));
      observer.observe(document.querySelector('[data-cy="na-panel"]')!, {
        childList: true,
        subtree: true,
        characterData: true,
        attributes: true,
      });
      await new Promise((r) => setTimeout(r, 2000));
      observer.disconnect();
      return n;
    });
    expect(idleMutations).toBe(0);
    await page.click('[data-cy="na-panel-place-tubes"]');
    await page.waitForFunction(() => (window as any).__naDenoise.placingTubes === true, null, { timeout: 10_000 });
    const byMM = [...subject.tubes].sort((a, b) => a.concentrationMM - b.concentrationMM);
    // Each click lands a voxel off the tube's axis: a user does not hit the centre exactly.
    const clickOn = (t: (typeof byMM)[number]) => [t.centreMm[0] + acq.spacing[0], t.centreMm[1]];
    await clickAt(page, original, clickOn(byMM[0]));
    await waitForTubes(page, { count: 1 });
    // A corner of the field of view is air; the first tube again is a duplicate: refused, nothing added.
    const corner = [acq.origin[0] + acq.spacing[0], acq.origin[1] + acq.spacing[1]];
    await clickAt(page, original, corner);
    const air = await waitForTubes(page, { message: /in air/ });
    expect(air.message).toMatch(/^Tube not placed: the point \(.* mm\) is in air \(signal .*\): click inside a tube$/);
    await clickAt(page, original, [byMM[0].centreMm[0], byMM[0].centreMm[1]]);
    const twice = await waitForTubes(page, { message: /placed once/ });
    expect(twice.tubes).toHaveLength(1);
    await clickAt(page, original, clickOn(byMM[1]));
    const { tubes, message } = await waitForTubes(page, { count: 2 });
    expect(message).toBeUndefined();
    // The configured concentrations (50, 100 mM) in click order; each marker on its tube, on the original series.
    expect(tubes.map((t) => t.concentrationMM)).toEqual([50, 100]);
    tubes.forEach((t, i) =>
      expect(Math.hypot(t.positionMm[0] - byMM[i].centreMm[0], t.positionMm[1] - byMM[i].centreMm[1])).toBeLessThan(
        byMM[i].radiusMm,
      ),
    );
    expect(new Set(tubes.map((t) => t.seriesDisplaySetInstanceUID))).toEqual(new Set([original]));
    const markers = await page.evaluate(() =>
      (window as any).cornerstoneTools.annotation.state
        .getAllAnnotations()
        .filter((a: any) => a.metadata?.toolName === 'Probe')
        .map((a: any) => a.annotationUID),
    );
    expect(markers).toEqual(tubes.map((t) => t.id));
    // The panel lists them with editable concentrations (rendered on the service's change event).
    await page.waitForFunction(() => document.querySelectorAll('[data-cy="na-tube"]').length === 2, null, {
      timeout: 10_000,
    });
    expect(await page.$$eval('[data-cy="na-tube-mM"]', (els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(
      ['50', '100'],
    );
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'quant-placed-tubes.png') });
    await page.click('[data-cy="na-panel-place-tubes"]');
    await page.waitForFunction(() => (window as any).__naDenoise.placingTubes === false, null, { timeout: 10_000 });
    // Placing again, then another tool chosen the OHIF way: placing ends (no stale "placing" state).
    const chosen = await page.evaluate(() => {
      const w = window as any;
      w.commandsManager.runCommand('naPlaceTubes', { on: true });
      const on = w.__naDenoise.placingTubes;
      w.commandsManager.runCommand('setToolActive', { toolName: 'WindowLevel' });
      const group = w.cornerstoneTools.ToolGroupManager.getToolGroup('default');
      return { on, after: w.__naDenoise.placingTubes, primary: group.getActivePrimaryMouseButtonTool() };
    });
    expect(chosen).toEqual({ on: true, after: false, primary: 'WindowLevel' });

    const q = await clickForQuant(page, 'NaConcentrationMap');
    expect(q.tubeSource).toBe('positions');
    expect(q.inputDisplaySetInstanceUID).toBe(original);
    expect(q.tubes!.map((t) => t.concentrationMM)).toEqual([50, 100]);
    expect(q.calibration!.r2).toBeCloseTo(1, 9);
    // Over the phantom's own tube voxels (one voxel in from the edge), the map reads the known concentrations.
    const data = Float32Array.from(await readVolume(page, q.displaySetInstanceUID));
    expectTubeCoresRead(data, subject);
    await page.waitForFunction(
      () => /^2 tubes \(positions\)/.test(document.querySelector('[data-cy="na-quant-text"]')?.textContent ?? ''),
      null,
      { timeout: 10_000 },
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'quant-placed-tubes-map.png') });
    // Removing a tube in the panel removes its marker too; one tube alone cannot give a fit, and the map says so.
    await page.click('[data-cy="na-tube-remove"]');
    await waitForTubes(page, { count: 1 });
    expect(
      await page.evaluate(
        () =>
          (window as any).cornerstoneTools.annotation.state
            .getAllAnnotations()
            .filter((a: any) => a.metadata?.toolName === 'Probe').length,
      ),
    ).toBe(1);
    await activate(page, original);
    const errors = await page.evaluate(() => (window as any).__naDenoise.errors.length as number);
    await page.click('[data-cy="NaConcentrationMap"]');
    await page.waitForFunction((n) => (window as any).__naDenoise.errors.length > n, errors, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as any).__naDenoise.errors.at(-1))).toMatch(
      /^1 tube is placed on .*: place at least one more, or remove it to find the tubes automatically$/,
    );
  });
});
