// Study adaptation in the viewer as a radiologist waits for it: `npm start -- --port 0` on a demo study (three
// repeats), headless Chromium (the e2e harness's flags: SwiftShader, WASM in the adapt Web Worker), click "Adapt DA
// to this study" and wait for the summary. Reports the click-to-summary time (reading the repeats, adapting, then the
// DA run with the result) beside the adaptation's own seconds, against the browser limit (64³ ≤ 120 s).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { npmStart, openViewer } from '../test/e2e/harness';
import type { BenchTable } from './types';

/** The browser limits for the whole adaptation: 120 s at 64³, 4× that at 128³. */
export const BROWSER_ADAPT_LIMIT: Record<number, number> = { 64: 120, 128: 480 };

function loadNow(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** One demo size: server + browser, one adaptation with the viewer's default budget (or `seconds`). */
export async function browserAdaptRows(size: number, model: string, seconds?: number): Promise<BenchTable['rows']> {
  const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), `na-bench-adapt-${size}-`));
  const options = { debugHook: true, model, ...(seconds ? { adaptSeconds: seconds } : {}) };
  const server = await npmStart(
    ['--extension-options', JSON.stringify(options), '--port', '0', '--demo-dir', demoDir, '--demo-size', String(size)],
    1_200_000,
  );
  let browser: Awaited<ReturnType<typeof openViewer>> | undefined;
  try {
    browser = await openViewer(server.url);
    const { page } = browser;
    await page.waitForFunction(
      () => !document.querySelector('[data-cy="NaAdaptDA"]')?.className.includes('cursor-not-allowed'),
      null,
      { timeout: 120_000 },
    );
    const loadAtStart = loadNow();
    const t0 = performance.now();
    await page.click('[data-cy="NaAdaptDA"]');
    await page.waitForSelector('[data-cy="na-adapt-summary"]', { timeout: 1_800_000 });
    const wall = (performance.now() - t0) / 1000;
    const record = await page.evaluate(() => (window as any).__naDenoise.lastAdaptation);
    const limit = BROWSER_ADAPT_LIMIT[size];
    process.stderr.write(`bench adapt: browser ${size}³ click → summary ${wall.toFixed(1)} s\n`);
    return [
      {
        study: `${size}³ demo, ${record.regime.acquisitions} repeats`,
        runner: 'browser (Chromium, adapt Web Worker, WASM)',
        parent: record.parent.name,
        'budget s': seconds ?? 'viewer default',
        'limit s': limit ?? null,
        'adapt s': Number(record.seconds.toFixed(1)),
        'click → result s': Number(wall.toFixed(1)),
        epochs: record.epochs,
        samples: record.samples,
        'held-out gain %': record.validation.gainPercent,
        adapted: record.result === 'adapted' ? 'yes' : 'no',
        'within limit': limit === undefined ? '—' : wall <= limit ? 'yes' : 'NO',
        'load 1/5/15 min': loadAtStart,
      },
    ];
  } finally {
    await browser?.close();
    await server.stop();
    fs.rmSync(demoDir, { recursive: true, force: true });
  }
}
