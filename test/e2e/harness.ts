// End-to-end harness: runs `npm start` (scripts/start.js) as a child process and drives /usr/bin/chromium with
// playwright-core in a fresh profile, collecting console errors.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { RunSummary } from '../../src/extension/naDenoiseService';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.NA_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export interface StartedServer {
  url: string;
  origin: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * Runs `node scripts/start.js <args>` and resolves with the one URL it prints. With `viaNpm`, runs the real
 * `npm start -- <args>` instead, and stop() signals npm's process only (as a service manager would).
 */
export function npmStart(
  args: string[],
  timeoutMs = 600_000,
  opts: { viaNpm?: boolean; root?: string } = {},
): Promise<StartedServer> {
  // `root`: another checkout's server (the viewer bench compares a baseline build with this one).
  const root = opts.root ?? ROOT;
  const child = opts.viaNpm
    ? spawn('npm', ['start', '--silent', '--', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [path.join(root, 'scripts', 'start.js'), ...args], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: stop() ends the server, tsx and Orthanc together
      });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b) => (err += b));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(opts.viaNpm ? child.pid! : -child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 8000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null)
      process.kill(opts.viaNpm ? child.pid! : -child.pid!, 'SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`npm start printed no URL within ${timeoutMs} ms:\n${err.slice(-3000)}`));
    }, timeoutMs);
    child.stdout!.on('data', (b) => {
      out += b;
      const line = out.split('\n').find((l) => /^http:\/\//.test(l.trim()));
      if (line) {
        clearTimeout(timer);
        const url = line.trim();
        resolve({ url, origin: new URL(url).origin, child, log: () => err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** console.error messages and uncaught page errors, in order. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'na-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1920, height: 1000 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** `npm start` flags that install the extension's test hook (window.__naDenoise); every browser suite passes them. */
export const DEBUG_HOOK_ARGS = ['--extension-options', JSON.stringify({ debugHook: true })];

/** Demo matrix for the browser suites (the default demo is 64³): 48³ keeps the whole run within CI time on two cores. */
export const E2E_DEMO_SIZE = Number(process.env.NA_E2E_DEMO_SIZE ?? 48);

export interface ViewerSuite {
  /** The suite's own demo study folder (removed after the suite). */
  readonly demoDir: string;
  readonly server: StartedServer;
  readonly browser: Browser;
}

/**
 * The set-up every browser suite shares: a fresh temporary demo folder, `npm start -- --port 0 --demo-dir … --demo-size
 * E2E_DEMO_SIZE --backend wasm <extraArgs>`, Chromium on the URL it prints, the viewer loaded. Registers the suite's
 * beforeAll/afterAll (everything stopped and removed afterwards) and a 15-minute test timeout: browser runs take
 * minutes on a shared two-core machine.
 */
export function viewerSuite(name: string, extraArgs: string[] = [], opts: { demoSize?: number } = {}): ViewerSuite {
  const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), `na-e2e-${name}-`));
  let server: StartedServer | undefined;
  let browser: Browser | undefined;
  jest.setTimeout(900_000);
  beforeAll(async () => {
    const size = String(opts.demoSize ?? E2E_DEMO_SIZE);
    server = await npmStart([
      ...extraArgs,
      ...DEBUG_HOOK_ARGS,
      '--port',
      '0',
      '--demo-dir',
      demoDir,
      '--demo-size',
      size,
      '--backend',
      'wasm',
    ]);
    browser = await openViewer(server.url);
  }, 900_000);
  afterAll(() => stopViewer(browser, server, demoDir));
  const started = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`the ${what} is not started (viewerSuite's beforeAll failed?)`);
    return v;
  };
  return {
    demoDir,
    get server() {
      return started('server', server);
    },
    get browser() {
      return started('browser', browser);
    },
  };
}

/** Waits until the viewer shows a study and our toolbar button is enabled on the active sodium viewport. */
export async function waitForViewer(page: Page, timeoutMs = 180_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = window as unknown as { services?: { displaySetService: { getActiveDisplaySets(): unknown[] } } };
      const btn = document.querySelector('[data-cy="NaDenoise"]');
      return (
        !!w.services &&
        w.services.displaySetService.getActiveDisplaySets().length > 0 &&
        !!btn &&
        !btn.className.includes('cursor-not-allowed')
      );
    },
    null,
    { timeout: timeoutMs, polling: 500 },
  );
}

/**
 * Waits until the active viewport has drawn the series it shows (Cornerstone's viewportStatus 'rendered' on an image
 * of that display set): the moment a user sees the study and can click. Our own read ahead of the click is not
 * waited for.
 */
export async function waitForDisplayed(page: Page, timeoutMs = 180_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = (window as any).services;
      const id = s?.viewportGridService.getActiveViewportId();
      const uid = id && s.viewportGridService.getDisplaySetsUIDsForViewport(id)?.[0];
      const ds = uid && s.displaySetService.getDisplaySetByUID(uid);
      const vp = id && s.cornerstoneViewportService.getCornerstoneViewport(id);
      const shown: string | undefined = vp?.getCurrentImageId?.();
      return (
        !!ds &&
        vp?.viewportStatus === 'rendered' &&
        !!shown &&
        (ds.imageIds ?? ds.instances?.map((i: any) => i.imageId) ?? []).includes(shown)
      );
    },
    null,
    { timeout: timeoutMs, polling: 100 },
  );
}

/** Chromium on `url`, once the viewer shows a study with our button enabled (see waitForViewer). */
export async function openViewer(url: string): Promise<Browser> {
  const browser = await openBrowser();
  await browser.page.goto(url);
  await waitForViewer(browser.page);
  return browser;
}

/** Closes the browser and stops the server (whichever started) and removes the suite's temporary folder. */
export async function stopViewer(browser: Browser | undefined, server: StartedServer | undefined, dir: string) {
  await browser?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Makes the viewport showing the denoised series the active one, then waits until "Save" is enabled for it. */
export async function activateDenoisedViewport(page: Page): Promise<void> {
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
}

/**
 * The last denoising run: the hook's numbers, plus the voxels read on demand (the derived volume from Cornerstone's
 * cache, the source read as a run reads it, the reference set's cached volume) as plain arrays.
 */
export interface BrowserRun extends RunSummary {
  data: number[];
  input: number[];
  reference?: number[];
  count: number;
}

/** Clicks a toolbar button and waits for the run it starts to finish; returns the debug hook's last result. */
/** NLM dialog values (DIPY's names); absent fields keep the dialog's defaults. */
export interface NlmDialogValues {
  patchRadius?: number;
  blockRadius?: number;
  rician?: boolean;
  /** A number, or 'auto' for the background estimate. */
  sigma?: number | 'auto';
}

/** Fills the NLM dialog and presses Run. */
export async function runNlmDialog(page: Page, v: NlmDialogValues): Promise<void> {
  await page.waitForSelector('[data-cy="na-nlm-dialog"]', { timeout: 30_000 });
  if (v.patchRadius !== undefined) await page.fill('[data-cy="na-nlm-patch"]', String(v.patchRadius));
  if (v.blockRadius !== undefined) await page.fill('[data-cy="na-nlm-block"]', String(v.blockRadius));
  if (v.rician !== undefined) await page.setChecked('[data-cy="na-nlm-rician"]', v.rician);
  if (v.sigma !== undefined) {
    await page.setChecked('[data-cy="na-nlm-sigma-auto"]', v.sigma === 'auto');
    if (v.sigma !== 'auto') await page.fill('[data-cy="na-nlm-sigma"]', String(v.sigma));
  }
  await page.click('[data-cy="na-nlm-run"]');
}

/** Clicks a toolbar button (the NLM one through its dialog) and waits for the run; returns the debug hook's last result. */
export async function clickAndWaitForRun(
  page: Page,
  button: string,
  timeoutMs = 600_000,
  nlmValues?: NlmDialogValues,
): Promise<BrowserRun> {
  await clickAndWait(page, button, timeoutMs, nlmValues, 500);
  return lastRun(page);
}

/** What the viewer bench reads of a timed run (no voxels: at 128³ they would take seconds to cross). */
export interface TimedRun {
  /** From the click (for NLM: the dialog's Run) to the run finished and its result shown, as a user waits. */
  clickToResultSeconds: number;
  /**
   * The same span on the page's clock: from the browser's receipt of the click (its pointerdown's timeStamp) to the
   * page seeing the run finished (its 100 ms poll). It leaves out the harness's own part of a click (Playwright's
   * actionability checks and round trips: up to a second on the loaded two cores); undefined when no pointerdown
   * reached the button.
   */
  inputToResultSeconds?: number;
  /** The engine's own time (denoiseVolume's millis: the denoising, not loading or measuring). */
  engineMillis: number;
  backend: string;
  parameters?: Record<string, string | number | boolean>;
  /** Where the run's time went, ms per step (the service's RunSummary.phases; absent in older builds). */
  phases?: Record<string, number>;
}

/** clickAndWaitForRun, timed from the click, polling finely (100 ms) for the bench. */
export async function timeRun(page: Page, button: string, nlmValues?: NlmDialogValues): Promise<TimedRun> {
  const { seconds, inputToResultSeconds } = await clickAndWait(page, button, 900_000, nlmValues, 100);
  const r = await page.evaluate(() => {
    // lastResult: the hook of builds before the state service (a bench baseline checkout).
    const h = (
      window as unknown as {
        __naDenoise: { errors: string[]; lastRun?: Record<string, unknown>; lastResult?: Record<string, unknown> };
      }
    ).__naDenoise;
    const last = h.lastRun ?? h.lastResult;
    if (!last) throw new Error(`no denoising result; errors: ${h.errors.join(' | ')}`);
    const { millis, backend, parameters, phases } = last;
    return { millis, backend, parameters, phases } as {
      millis: number;
      backend: string;
      parameters?: never;
      phases?: Record<string, number>;
    };
  });
  return {
    clickToResultSeconds: seconds,
    inputToResultSeconds,
    engineMillis: r.millis,
    backend: r.backend,
    parameters: r.parameters,
    phases: r.phases,
  };
}

/**
 * Clicks (through the NLM dialog when asked) and waits until the run ends; returns seconds from the click (or Run),
 * as the harness sees them and on the page's clock (see TimedRun.inputToResultSeconds).
 */
async function clickAndWait(
  page: Page,
  button: string,
  timeoutMs: number,
  nlmValues: NlmDialogValues | undefined,
  pollMs: number,
): Promise<{ seconds: number; inputToResultSeconds?: number }> {
  const nlm = button === 'NaDenoiseNLM' ? (nlmValues ?? {}) : undefined;
  // results.length: the hook of builds before the state service (a bench baseline checkout).
  const before = await page.evaluate(() => {
    const h = (window as unknown as { __naDenoise?: { runCount?: number; results?: unknown[] } }).__naDenoise;
    return h?.runCount ?? h?.results?.length ?? 0;
  });
  // When the browser received the click on what starts the run (the toolbar button, or the NLM dialog's Run).
  await page.evaluate(
    (selector) => {
      // No named functions in here: the test runner's transform would wrap them in a helper the page lacks.
      const w = window as unknown as { __naBenchInputAt?: number };
      w.__naBenchInputAt = undefined;
      const once = new AbortController();
      document.addEventListener(
        'pointerdown',
        (e) => {
          if (!(e.target instanceof Element) || !e.target.closest(selector)) return;
          w.__naBenchInputAt = e.timeStamp;
          once.abort();
        },
        { capture: true, signal: once.signal },
      );
    },
    nlm ? '[data-cy="na-nlm-run"]' : `[data-cy="${button}"]`,
  );
  let t0 = performance.now();
  await page.click(`[data-cy="${button}"]`);
  if (nlm) {
    t0 = performance.now();
    await runNlmDialog(page, nlm);
  }
  await page.waitForSelector('[data-cy="na-progress"]', { timeout: 30_000 }).catch(() => undefined);
  const done = await page.waitForFunction(
    (n) => {
      const h = (
        window as unknown as {
          __naDenoise?: { runCount?: number; results?: unknown[]; busy: boolean; errors: string[] };
        }
      ).__naDenoise;
      const ended = !!h && !h.busy && ((h.runCount ?? h.results?.length ?? 0) > n || h.errors.length > 0);
      return ended && { at: performance.now(), inputAt: (window as { __naBenchInputAt?: number }).__naBenchInputAt };
    },
    before,
    { timeout: timeoutMs, polling: pollMs },
  );
  const seconds = (performance.now() - t0) / 1000;
  const { at, inputAt } = (await done.jsonValue()) as { at: number; inputAt?: number };
  return { seconds, inputToResultSeconds: inputAt === undefined ? undefined : (at - inputAt) / 1000 };
}

/** The last run's numbers and, read now through the hook, its output, input and reference voxels. */
export async function lastRun(page: Page): Promise<BrowserRun> {
  return page.evaluate(async () => {
    const h = (window as any).__naDenoise;
    const r = h.lastRun;
    if (!r) throw new Error(`no denoising result; errors: ${h.errors.join(' | ')}`);
    const read = async (uid: string) => Array.from((await h.readVolume(uid)).data as Float32Array);
    return {
      ...r,
      data: await read(r.displaySetInstanceUID),
      input: await read(r.sourceDisplaySetInstanceUID),
      reference: r.referenceDisplaySetInstanceUID ? await read(r.referenceDisplaySetInstanceUID) : undefined,
      count: h.runCount,
    };
  });
}

/** The overlay text of each viewport pane, left to right. */
export async function overlayTexts(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-cy="viewport-pane"]')).map((el) =>
      (el as HTMLElement).innerText.replace(/\s+/g, ' '),
    ),
  );
}
