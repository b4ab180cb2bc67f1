// Your own study: `npm start -- --open <folder>` on a sodium study written by dcmtk (dump2dcm: IM0001-style names,
// signed pixels with a rescale slope, slices stored in reverse, a stray text file) → the printed URL opens that study,
// the viewer reads every voxel as our DICOM reader does, the DA runs on it, and the folder is never written to; the
// same folder chosen on OHIF's /local page (the drag-and-drop data source) opens too. Screenshots in test-artifacts/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ARTIFACTS,
  clickAndWaitForRun,
  npmStart,
  openViewer,
  stopViewer,
  waitForViewer,
  type Browser,
  type StartedServer,
  DEBUG_HOOK_ARGS,
} from './harness';
import { folderFingerprint, writeForeignStudy, type ForeignStudy } from './foreignStudy';
import { readDicomFolder } from '../../src/io';

jest.setTimeout(900_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'na-e2e-open-'));
let foreign: ForeignStudy;
let before: string[];
let server: StartedServer;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(path.join(tmp, 'study'));
  foreign = writeForeignStudy(path.join(tmp, 'study'));
  before = folderFingerprint(foreign.dir);
  server = await npmStart([...DEBUG_HOOK_ARGS, '--open', foreign.dir, '--port', '0', '--backend', 'wasm']);
  browser = await openViewer(server.url);
}, 900_000);

afterAll(() => stopViewer(browser, server, tmp));

describe('npm start -- --open <a DICOM folder from another toolkit>', () => {
  it('prints one URL for that study and reads every voxel as our DICOM reader does', async () => {
    expect(server.url).toContain(
      `/sodium/dicomjson?url=/open/study.json&StudyInstanceUIDs=${foreign.studyInstanceUid}`,
    );
    expect(server.log()).toContain('mode: your study from');
    const reads = await browser.page.evaluate(async () => {
      const out = await (window as any).__naDenoise.readSeries();
      return out.map((r: any) => ({
        uid: r.seriesInstanceUID,
        dims: r.dims,
        origin: r.origin,
        data: Array.from(r.data),
      }));
    });
    expect(reads).toHaveLength(2); // the second acquisition is found as a repeat
    for (const [k, r] of reads.entries()) {
      const [node] = await readDicomFolder(path.join(foreign.dir, `SE${k + 1}`));
      expect(r.uid).toBe(foreign.seriesInstanceUids[k]);
      expect(r.dims).toEqual(foreign.dims);
      expect(r.origin).toEqual([...node.volume.origin]);
      let diff = 0;
      for (let i = 0; i < node.volume.data.length; i++)
        diff = Math.max(diff, Math.abs(r.data[i] - node.volume.data[i]));
      expect(diff).toBeLessThan(1e-3);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await browser.page.screenshot({ path: path.join(ARTIFACTS, 'open-foreign-study.png') });
  });

  it('denoises the opened study with the DA', async () => {
    const run = await clickAndWaitForRun(browser.page, 'NaDenoise');
    expect(run).toMatchObject({ method: 'DA', dims: foreign.dims });
    expect(run.metrics.psnr).toBeGreaterThan(run.metrics.sourcePsnr);
    await browser.page.waitForTimeout(1500);
    await browser.page.screenshot({ path: path.join(ARTIFACTS, 'open-foreign-study-denoised.png') });
  });

  it("opens the same folder dropped on OHIF's /local page (dicomlocal data source)", async () => {
    const page = browser.page;
    await page.goto(`${server.origin}/local`);
    const input = await page.waitForSelector('input[type="file"][webkitdirectory], input[type="file"][directory]', {
      state: 'attached',
      timeout: 60_000,
    });
    // The DICOM folders only: OHIF's local loader parses every file it is given as DICOM.
    const dropped = path.join(tmp, 'dropped');
    for (const se of ['SE1', 'SE2']) fs.cpSync(path.join(foreign.dir, se), path.join(dropped, se), { recursive: true });
    await input.setInputFiles(dropped);
    // OHIF lists the dropped study (read in the browser), then a click opens it in a mode.
    await page.waitForFunction((d) => document.body.innerText.includes(d), foreign.studyDescription, {
      timeout: 120_000,
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'open-foreign-study-dropped-list.png') });
    await page.click('text=FOREIGN-7');
    await page.click('text=Denoise Na (sodium MRI)', { timeout: 30_000 });
    await page.waitForURL(/StudyInstanceUIDs=/, { timeout: 120_000 });
    expect(page.url()).toContain(foreign.studyInstanceUid);
    try {
      await waitForViewer(page, 120_000);
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'open-foreign-study-dropped-failed.png') });
      const state = await page.evaluate(() => ({
        url: location.href,
        sets: (window as any).services?.displaySetService.getActiveDisplaySets().map((d: any) => d.SeriesDescription),
        button: document.querySelector('[data-cy="NaDenoise"]')?.className,
      }));
      throw new Error(`${(e as Error).message}\n${JSON.stringify(state)}\n${browser.errors.slice(-5).join('\n')}`);
    }
    const names = await page.evaluate(() =>
      (window as any).services.displaySetService.getActiveDisplaySets().map((d: any) => d.SeriesDescription),
    );
    expect([...names].sort()).toEqual(['Na TPI 1', 'Na TPI 2']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'open-foreign-study-dropped.png') });
  });

  it('never wrote into the opened folder', () => {
    expect(folderFingerprint(foreign.dir)).toEqual(before);
  });
});
