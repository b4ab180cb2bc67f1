// `sodium-denoise batch` when things go wrong, against a small fake DICOMweb server: a 503 is retried and reported,
// a series that cannot be read fails with its reason while the run goes on and exits 1, an unreachable PACS and a bad
// flag are one line and exit 1; `watch` refuses a state file of another PACS. ~15 s (five CLI runs).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCli } from '../helpers/cliProcess';
import { parseQuery } from '../../src/cli/batch';

const STUDY = '1.2.826.0.1.3680043.10.1.1';
const SERIES = '1.2.826.0.1.3680043.10.1.2';
const SOP = '1.2.826.0.1.3680043.10.1.3';
const el = (vr: string, ...Value: unknown[]) => ({ vr, Value });

let server: http.Server;
let base: string;
let qidoStudies = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(JSON.stringify(body));
    };
    const p = url.pathname;
    if (p === '/dw/studies') {
      // The first search meets a busy server.
      if (++qidoStudies === 1) return void res.writeHead(503, { 'retry-after': '0' }).end('busy');
      return json([{ '0020000D': el('UI', STUDY) }]);
    }
    if (p === `/dw/studies/${STUDY}/series`)
      return json([
        {
          '0020000D': el('UI', STUDY),
          '0020000E': el('UI', SERIES),
          '00080060': el('CS', 'MR'),
          '0008103E': el('LO', '23Na broken export'),
          '00080008': el('CS', 'ORIGINAL', 'PRIMARY'),
          '00180085': el('SH', '23Na'),
        },
      ]);
    if (p === `/dw/studies/${STUDY}/series/${SERIES}/instances`) return json([{ '00080018': el('UI', SOP) }]);
    if (p.startsWith(`/dw/studies/${STUDY}/series/`) && p.endsWith('/instances')) return void res.writeHead(204).end();
    if (p === `/dw/studies/${STUDY}/series/${SERIES}`) {
      const boundary = 'fake';
      res.writeHead(200, { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` });
      return void res.end(
        `--${boundary}\r\nContent-Type: application/dicom\r\n\r\nthis is no DICOM\r\n--${boundary}--\r\n`,
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/dw`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('batch failures', () => {
  it('retries a busy PACS, fails the unreadable series with its reason, finishes, and exits 1', async () => {
    const r = await startCli(['batch', '--dicomweb', base, '--method', 'nlm', '--threads', '1', '--json']).done;
    expect(r.code).toBe(1);
    expect(r.events.find((e) => e.event === 'retry')).toMatchObject({
      attempt: 1,
      reason: expect.stringMatching(/HTTP 503/),
    });
    const summary = r.events.find((e) => e.event === 'summary');
    expect(summary).toMatchObject({ series: 1, counts: { failed: 1, done: 0 } });
    expect((summary as { failures: Array<{ series: string; reason: string }> }).failures).toEqual([
      {
        study: STUDY,
        series: SERIES,
        reason: expect.stringMatching(/No DICOM image series found in 1 file .*not DICOM/),
      },
    ]);
  });

  it('says in one line that the PACS cannot be reached, after its retries', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const r = await startCli([
      'batch',
      '--dicomweb',
      `http://127.0.0.1:${port}/dicom-web`,
      '--method',
      'nlm',
      '--retries',
      '1',
      '--timeout',
      '5',
    ]).done;
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toMatch(
      /^sodium-denoise: GET .*\/dicom-web\/studies: ECONNREFUSED \(after 2 attempts\)$/,
    );
  });

  it('refuses a bad shard before touching the PACS', async () => {
    const before = qidoStudies;
    const r = await startCli(['batch', '--dicomweb', base, '--method', 'nlm', '--shard', '3/3']).done;
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('sodium-denoise: --shard must be i/N with 0 ≤ i < N (e.g. 0/3), got "3/3"');
    expect(qidoStudies).toBe(before);
  });
});

describe('watch failures', () => {
  it('with --once, an unreachable Orthanc is one line and exit 1; a state file of another PACS is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-fail-'));
    try {
      const state = path.join(dir, 'state.json');
      const dead = 'http://127.0.0.1:9/';
      const args = ['watch', '--method', 'nlm', '--state-file', state, '--once', '--retries', '0', '--timeout', '5'];
      const r = await startCli([...args, '--orthanc', dead]).done;
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').pop()).toMatch(/^sodium-denoise: GET http:\/\/127\.0\.0\.1:9\/changes: /);
      expect(fs.existsSync(state)).toBe(false);
      const other = { format: 'sodium-denoise/watch-state@1', orthanc: 'http://pacs-a:8042', job: '{}', since: 7 };
      fs.writeFileSync(state, JSON.stringify(other));
      const refused = await startCli([...args, '--orthanc', 'http://pacs-b:8042']).done;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${state} follows http://pacs-a:8042, not http://pacs-b:8042`);
      expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toEqual(other);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--query', () => {
  it('becomes QIDO match keys (a key given twice keeps both values); paging keys and bad pairs are refused', () => {
    expect(
      parseQuery(['PatientID=NA-001', 'StudyDate=20260101-20261231', 'ModalitiesInStudy=MR', 'PatientID=NA-002']),
    ).toEqual({
      PatientID: ['NA-001', 'NA-002'],
      StudyDate: ['20260101-20261231'],
      ModalitiesInStudy: ['MR'],
    });
    expect(parseQuery(['00100020=NA-001'])).toEqual({ '00100020': ['NA-001'] });
    expect(() => parseQuery(['limit=5'])).toThrow(/set by the worker itself/);
    expect(() => parseQuery(['PatientID'])).toThrow(/--query must be key=value/);
    expect(() => parseQuery(['Patient ID=x'])).toThrow(/--query must be key=value/);
  });
});
