// `npm start` as a service: the real `npm start` with --pacs --pacs-dir --open on a folder written by dcmtk, then
// SIGTERM to npm's own process must stop the server and Orthanc; a second start on the same --pacs-dir still has
// the study; the user's folder is never written to. No browser (about 1 min).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { npmStart, type StartedServer } from './harness';
import { folderFingerprint, writeForeignStudy, type ForeignStudy } from './foreignStudy';

jest.setTimeout(600_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'na-e2e-start-'));
const pacsDir = path.join(tmp, 'pacs');
let foreign: ForeignStudy;
let before: string[];

beforeAll(() => {
  fs.mkdirSync(path.join(tmp, 'study'));
  foreign = writeForeignStudy(path.join(tmp, 'study'));
  before = folderFingerprint(foreign.dir);
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Whether anything answers HTTP at `url` (false once the process listening there is gone). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

async function studyOnPacs(server: StartedServer, uid: string): Promise<Record<string, { Value?: unknown[] }>[]> {
  const r = await fetch(`${server.origin}/dicom-web/studies?StudyInstanceUID=${uid}&includefield=00081030`, {
    headers: { Accept: 'application/dicom+json' },
  });
  return r.status === 204 ? [] : ((await r.json()) as Record<string, { Value?: unknown[] }>[]);
}

function orthancUrl(log: string): string {
  const m = /\[pacs\] Orthanc \S+ at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
  if (!m) throw new Error(`no Orthanc URL in the log:\n${log}`);
  return m[1];
}

describe('npm start: --open into --pacs, --pacs-dir, SIGTERM', () => {
  it('stores the opened folder to the PACS, prints the mode and one URL for that study, and stops on SIGTERM', async () => {
    const server = await npmStart(['--pacs', '--pacs-dir', pacsDir, '--open', foreign.dir, '--port', '0'], 300_000, {
      viaNpm: true,
    });
    try {
      expect(server.url).toContain(`/sodium/orthanc?StudyInstanceUIDs=${foreign.studyInstanceUid}`);
      expect(server.log()).toMatch(
        /mode: PACS: your study from .* \(read-only\) stored to a private Orthanc \(storage kept in/,
      );
      const found = await studyOnPacs(server, foreign.studyInstanceUid);
      expect(found).toHaveLength(1);
      expect(found[0]['00081030']?.Value?.[0]).toBe(foreign.studyDescription);
      const pacs = orthancUrl(server.log());
      expect(await answers(`${server.origin}/app-config.js`)).toBe(true);
      expect(await answers(`${pacs}/system`)).toBe(true);

      process.kill(server.child.pid!, 'SIGTERM'); // npm's own process, not the group
      await new Promise((r) => server.child.once('exit', r));
      expect(await eventually(async () => !(await answers(`${server.origin}/app-config.js`)))).toBe(true);
      expect(await eventually(async () => !(await answers(`${pacs}/system`)))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('keeps the study in --pacs-dir across runs, and never wrote into the opened folder', async () => {
    const demoDir = path.join(tmp, 'demo');
    const server = await npmStart(
      ['--pacs', '--pacs-dir', pacsDir, '--demo-dir', demoDir, '--demo-size', '16', '--port', '0'],
      300_000,
      { viaNpm: true },
    );
    try {
      expect(server.log()).toContain('mode: PACS: the synthetic demo study');
      expect(await studyOnPacs(server, foreign.studyInstanceUid)).toHaveLength(1);
    } finally {
      await server.stop();
    }
    expect(folderFingerprint(foreign.dir)).toEqual(before);
  });
});
