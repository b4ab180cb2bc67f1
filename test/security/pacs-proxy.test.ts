// The PACS proxy against attackers, on one real `npm start -- --pacs` (real Orthanc): traversal spellings on every
// method, Orthanc's own REST API, STOW content types and body size, Host headers (DNS rebinding), cross-origin pages in
// Chromium, credentials and listeners. About 1–2 min on a shared two-core machine (one server, one browser).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/harness';
import { orthancPid, orthancState, rawRequest, rawSocketStatus, startPacs, type PacsRun } from './pacsHarness';
import { writeDicomSeries } from '../../src/io';
import { createVolume } from '../../src/core/volume';

jest.setTimeout(600_000);

let run: PacsRun;
let before: { lastChange: number; instances: number };
let studyUid: string;
let seriesUid: string;
let sopUid: string;
const STOW_TYPE = 'multipart/related; type="application/dicom"; boundary=na-sec';
/** Orthanc's REST answers carry these; our refusals never do. */
const ORTHANC_MARKERS = /ApiVersion|DicomAet|"ID"|"Path"|OrthancPeers|"Status"/;

/** A small derived series in the demo study, as a STOW-RS body. */
function stowPayload(): Buffer {
  const vol = createVolume({ dims: [4, 4, 2], spacing: [4, 4, 4], data: new Float32Array(32).map((_, i) => i) });
  const files = writeDicomSeries(vol, {
    derivedFrom: {
      seriesInstanceUID: seriesUid,
      sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
      sopInstanceUIDs: [sopUid],
      header: { StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid, ImagedNucleus: '23Na', SeriesNumber: 1 },
    },
    derivation: { method: 'security test' },
    seriesDescription: 'security test',
  });
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(Buffer.from(`--na-sec\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(f), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('--na-sec--\r\n'));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  run = await startPacs(['--max-body-mib', '1']);
  studyUid = new URL(run.server.url).searchParams.get('StudyInstanceUIDs')!;
  const inst = JSON.parse((await rawRequest(run.port, 'GET', `/dicom-web/studies/${studyUid}/instances`)).body);
  seriesUid = inst[0]['0020000E'].Value[0];
  sopUid = inst[0]['00080018'].Value[0];
  before = await orthancState(run);
}, 600_000);

afterAll(async () => {
  await run?.stop();
});

/** Every outcome that proves the request stayed with us: our refusal, or the viewer's HTML shell. */
function expectRefused(what: string, r: { status: number; headers: http.IncomingHttpHeaders; body: string }) {
  const ours =
    [400, 403, 404, 405, 415, 421].includes(r.status) || /^text\/html/.test(String(r.headers['content-type']));
  expect([what, ours, ORTHANC_MARKERS.test(r.body)]).toEqual([what, true, false]);
}

describe('path traversal and Orthanc REST endpoints through /dicom-web', () => {
  const targets = [
    'system',
    'tools/shutdown',
    'tools/bulk-delete',
    'instances/6b9e19d9-62094390-5f9ddb01-4a191ae7-9766b715',
    'servers/x',
    'peers',
  ];
  const spellings: Array<(t: string) => string> = [
    (t) => `/dicom-web/../${t}`,
    (t) => `/dicom-web/..%2f${t}`,
    (t) => `/dicom-web/..%2F${t}`,
    (t) => `/dicom-web/%2e%2e/${t}`,
    (t) => `/dicom-web/%2E%2E%2F${t}`,
    (t) => `/dicom-web/.%2e/${t}`,
    (t) => `/dicom-web/%2e./${t}`,
    (t) => `/dicom-web/..%5c${t}`,
    (t) => `/dicom-web/..%5C${t}`,
    (t) => `/dicom-web/..\\${t}`,
    (t) => `/dicom-web/%252e%252e%252f${t}`,
    (t) => `/dicom-web/..%252f${t}`,
    (t) => `/dicom-web/%25252e%25252e/${t}`,
    (t) => `/dicom-web/%c0%ae%c0%ae/${t}`,
    (t) => `/dicom-web/%c0%ae%c0%ae%c0%af${t}`,
    (t) => `/dicom-web/%e0%80%ae%e0%80%ae/${t}`,
    (t) => `/dicom-web/%uff0e%uff0e/${t}`,
    (t) => `/dicom-web/%ef%bc%8e%ef%bc%8e%ef%bc%8f${t}`,
    (t) => `/dicom-web/..;/${t}`,
    (t) => `/dicom-web/studies/..;/${t}`,
    (t) => `/dicom-web/studies/%2e%2e/${t}`,
    (t) => `/dicom-web/studies/1.2/..%2f..%2f${t}`,
    (t) => `/dicom-web/studies%2f..%2f..%2f${t}`,
    (t) => `/dicom-web/STUDIES/..%2F${t}`,
    (t) => `/dicom-web/%2f${t}`,
    (t) => `/dicom-web//${t}`,
    (t) => `/dicom-web/./studies/../../${t}`,
    (t) => `/dicom-web/..%00/${t}`,
    (t) => `/dicom-web/%00/../${t}`,
    (t) => `/dicom-web/studies/..%09/${t}`,
    (t) => `/dicom-web/%20../${t}`,
    (t) => `/dicom-web/..%2f..%2f..%2f${t}`,
    (t) => `/dicom-web/..%2f${t}?x=..%2f`,
    (t) => `/dicom-web/${t}`,
    (t) => `/dicom-web/studies;/${t}`,
    (t) => `/dicom-web%2f..%2f${t}`,
    (t) => `/dicom-web/../../${t}`,
    (t) => `/%64icom-web/..%2f${t}`,
    (t) => `/${t}`,
  ];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

  it(`refuses ${spellings.length} spellings × ${targets.length} targets × ${methods.length} methods`, async () => {
    let n = 0;
    for (const spell of spellings)
      for (const t of targets)
        for (const method of methods) {
          const target = spell(t);
          const body = method === 'GET' || method === 'HEAD' ? undefined : '{"Resources":[]}';
          const headers: Record<string, string> = body ? { 'Content-Type': STOW_TYPE } : {};
          expectRefused(`${method} ${target}`, await rawRequest(run.port, method, target, headers, body));
          n++;
        }
    expect(n).toBe(spellings.length * targets.length * methods.length);
  });

  it('refuses absolute-form request targets that name Orthanc', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await rawRequest(run.port, method, `${run.credentials.url}/system`);
      expect([method, r.status]).toEqual([method, 400]);
    }
  });

  it('offers only DICOMweb routes with their own methods (405 with Allow) and valid UIDs', async () => {
    const uid = `/dicom-web/studies/${studyUid}`;
    const cases: Array<[string, string, number]> = [
      ['DELETE', uid, 405],
      ['PUT', uid, 405],
      ['PATCH', '/dicom-web/studies', 405],
      ['POST', '/dicom-web/series', 405],
      ['POST', `${uid}/series/${seriesUid}`, 405],
      ['DELETE', `${uid}/series/${seriesUid}/instances/${sopUid}`, 405],
      ['OPTIONS', '/dicom-web/studies', 405],
      ['HEAD', '/dicom-web/studies', 405],
      ['GET', '/dicom-web/studies/abc', 404],
      ['GET', '/dicom-web/studies/1..2', 404],
      ['GET', '/dicom-web/studies/01.2', 404],
      ['GET', `/dicom-web/studies/1.${'2'.repeat(64)}`, 404],
      ['GET', `${uid}/series/${seriesUid}/instances/${sopUid}/frames/0`, 404],
      ['GET', `${uid}/series/${seriesUid}/instances/${sopUid}/bulk/../../..`, 400],
      ['GET', '/dicom-web/workitems', 404],
      ['GET', '/dicom-web/servers', 404],
      ['POST', '/dicom-web/servers/x/stow', 404],
      ['GET', '/dicom-web', 404],
      ['GET', '/wado?requestType=WADO', 400],
      ['GET', `/wado?requestType=WADO&studyUID=${studyUid}&seriesUID=${seriesUid}&objectUID=..%2f..%2fsystem`, 400],
      ['POST', `/wado?requestType=WADO&studyUID=${studyUid}&seriesUID=${seriesUid}&objectUID=${sopUid}`, 405],
      ['GET', '/wado/x', 404],
    ];
    for (const [method, target, status] of cases) {
      const r = await rawRequest(run.port, method, target, method === 'POST' ? { 'Content-Type': STOW_TYPE } : {}, '');
      expect([method, target, r.status]).toEqual([method, target, status]);
      if (status === 405) expect(r.headers.allow).toMatch(/GET|POST/);
    }
  });

  it('still answers QIDO-RS, WADO-RS (metadata, frames, rendered) and WADO-URI for the study', async () => {
    const ok: string[] = [
      `/dicom-web/studies?StudyInstanceUID=${studyUid}`,
      `/dicom-web/series?StudyInstanceUID=${studyUid}`,
      `/dicom-web/instances?StudyInstanceUID=${studyUid}`,
      `/dicom-web/studies/${studyUid}/series`,
      `/dicom-web/studies/${studyUid}/instances`,
      `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances`,
      `/dicom-web/studies/${studyUid}/metadata`,
      `/dicom-web/studies/${studyUid}/series/${seriesUid}/metadata`,
      `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/metadata`,
      `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/frames/1`,
      `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}`,
      `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/rendered`,
      `/wado?requestType=WADO&studyUID=${studyUid}&seriesUID=${seriesUid}&objectUID=${sopUid}&contentType=application/dicom`,
    ];
    for (const target of ok) {
      const r = await rawRequest(run.port, 'GET', target);
      expect([target, r.status]).toEqual([target, 200]);
      expect(r.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('left Orthanc untouched and alive', async () => {
    expect(await orthancState(run)).toEqual(before);
  });
});

describe('STOW-RS content type and body size', () => {
  it('accepts only multipart/related; type="application/dicom" (415 otherwise)', async () => {
    const bad = [
      'text/plain',
      'application/dicom',
      'application/json',
      'multipart/related; boundary=na-sec',
      'multipart/related; type="application/json"; boundary=na-sec',
      'multipart/form-data; type="application/dicom"; boundary=na-sec',
      'multipart/related; type="application/dicom"',
      'multipart/related; type="application/dicom+xml"; boundary=na-sec',
      '',
    ];
    const body = stowPayload();
    for (const type of bad) {
      const r = await rawRequest(run.port, 'POST', '/dicom-web/studies', type ? { 'Content-Type': type } : {}, body);
      expect([type, r.status]).toEqual([type, 415]);
    }
    expect(await orthancState(run)).toEqual(before);
  });

  it('answers 413 for a body over the limit, declared or chunked, before Orthanc sees it', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 1);
    const declared = await rawRequest(run.port, 'POST', '/dicom-web/studies', { 'Content-Type': STOW_TYPE }, big);
    expect(declared.status).toBe(413);
    expect(declared.body).toMatch(/larger than 1 MiB.*--max-body-mib/);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: run.port,
          method: 'POST',
          path: '/dicom-web/studies',
          headers: { 'Content-Type': STOW_TYPE, 'Transfer-Encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (e) => (req.writableEnded ? undefined : reject(e)));
      for (let k = 0; k < 20; k++) req.write(Buffer.alloc(64 * 1024, 2));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(await orthancState(run)).toEqual(before);
  });
});

describe('Host header (DNS rebinding)', () => {
  it('answers 421 to every Host that is not a loopback name or --host with our port', async () => {
    const p = run.port;
    const bad = [
      `evil.example:${p}`,
      'evil.example',
      '127.0.0.1',
      `127.0.0.1:${p + 1}`,
      `127.0.0.2:${p}`,
      `localhost.:${p}`,
      `0x7f000001:${p}`,
      `2130706433:${p}`,
      `localhost:${p}@evil.example`,
      `evil.example:${p}, localhost:${p}`,
      `[::ffff:127.0.0.1]:${p}`,
    ];
    for (const host of bad)
      for (const target of ['/', '/app-config.js', '/demo/study.json', '/dicom-web/studies']) {
        const r = await rawRequest(p, 'GET', target, { Host: host });
        expect([host, target, r.status]).toEqual([host, target, 421]);
      }
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LocalHost:${p}`, `[::1]:${p}`]) {
      const r = await rawRequest(p, 'GET', '/demo/study.json', { Host: host });
      expect([host, r.status]).toEqual([host, 200]);
      expect(r.body).toContain(`dicomweb:http://${host.toLowerCase()}/demo/`);
    }
  });

  it('answers 421 to an empty or missing Host and refuses two Host headers', async () => {
    const p = run.port;
    expect(await rawSocketStatus(p, 'GET / HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n')).toBe(421);
    expect(await rawSocketStatus(p, 'GET / HTTP/1.0\r\n\r\n')).toBe(421);
    const two = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`;
    expect([400, 421]).toContain(await rawSocketStatus(p, two));
  });
});

describe('Orthanc itself', () => {
  it('keeps its REST credentials in a 0600 file in a 0700 folder, never in what the browser gets', async () => {
    expect(fs.statSync(run.credentialsFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(run.runDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(`${run.runDir}/orthanc.json`).mode & 0o777).toBe(0o600);
    const config = (await rawRequest(run.port, 'GET', '/app-config.js')).body;
    expect(config).not.toContain(run.credentials.password);
  });

  it('refuses its REST API without the credentials and accepts them', async () => {
    expect((await fetch(`${run.credentials.url}/system`)).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${run.credentials.username}:nope`).toString('base64')}`;
    expect((await fetch(`${run.credentials.url}/system`, { headers: { Authorization: wrong } })).status).toBe(401);
    const state = await orthancState(run);
    expect(state.instances).toBeGreaterThan(0);
  });

  it('listens only on loopback, with no DICOM port (ss -ltnp)', () => {
    const pid = orthancPid(run.runDir)!;
    expect(pid).toBeGreaterThan(0);
    const lines = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`pid=${pid},`));
    const local = lines.map((l) => l.trim().split(/\s+/)[3]);
    expect(local).toEqual([`127.0.0.1:${new URL(run.credentials.url).port}`]);
  });
});

describe('cross-origin pages in Chromium', () => {
  let browser: Browser;
  let attacker: http.Server;
  let attackerOrigin: string;

  beforeAll(async () => {
    attacker = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title><iframe name="sink"></iframe>');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS, '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
  });

  it('refuses no-cors POSTs, a form POST and a DELETE from another loopback port; Orthanc sees none', async () => {
    const page = await browser.newPage();
    await page.goto(attackerOrigin);
    const logBefore = run.server.log().split('refused cross-origin').length;
    const origin = run.server.origin;
    const payload = [...stowPayload()];
    const results = await page.evaluate(
      async ({ origin, payload, type }) => {
        const out: string[] = [];
        const attempts: Array<[string, RequestInit]> = [
          [`${origin}/dicom-web/studies`, { body: new Uint8Array(payload), headers: { 'Content-Type': type } }],
          [`${origin}/dicom-web/..%2ftools/bulk-delete`, { body: '{"Resources":[]}' }],
          [`${origin}/dicom-web/..%2ftools/shutdown`, { body: '' }],
          [`${origin.replace('127.0.0.1', 'localhost')}/dicom-web/studies`, { body: new Uint8Array(payload) }],
        ];
        for (const [url, init] of attempts) {
          await fetch(url, { ...init, method: 'POST', mode: 'no-cors' }).then(
            (r) => out.push(`sent:${r.type}`),
            (e) => out.push(`error:${e}`),
          );
        }
        await fetch(`${origin}/dicom-web/studies/1.2.3`, { method: 'DELETE' }).then(
          () => out.push('DELETE answered'),
          () => out.push('DELETE blocked'),
        );
        return out;
      },
      { origin, payload, type: STOW_TYPE },
    );
    expect(results.at(-1)).toBe('DELETE blocked');
    const formAnswer = page.waitForResponse((r) => r.url() === `${origin}/dicom-web/studies`);
    await page.evaluate((origin) => {
      const f = document.createElement('form');
      f.method = 'POST';
      f.enctype = 'text/plain';
      f.action = `${origin}/dicom-web/studies`;
      f.target = 'sink';
      const i = document.createElement('input');
      i.name = 'x';
      i.value = 'y';
      f.append(i);
      document.body.append(f);
      f.submit();
    }, origin);
    expect((await formAnswer).status()).toBe(403);
    // Every attempt reached our server and was refused there: 4 fetches, the DELETE's preflight, the form.
    const refused = run.server.log().split('refused cross-origin').length - logBefore;
    expect(refused).toBeGreaterThanOrEqual(6);
    expect(run.server.log()).toMatch(/refused cross-origin POST \/dicom-web\/studies \(Sec-Fetch-Site: same-site\)/);
    expect(await orthancState(run)).toEqual(before);
    await page.close();
  });

  it('answers 421 to a page reached through a rebound DNS name', async () => {
    const page = await browser.newPage();
    const r = await page.goto(`http://rebind.test:${run.port}/`);
    expect(r?.status()).toBe(421);
    const post = await page.evaluate(async () => (await fetch('/dicom-web/studies', { method: 'POST' })).status);
    expect(post).toBe(421);
    await page.close();
  });

  it('lets the viewer’s own origin store a series (same-origin STOW-RS from the page)', async () => {
    const page = await browser.newPage();
    await page.goto(`${run.server.origin}/demo/study.json`);
    const status = await page.evaluate(
      async ({ payload, type }) =>
        (
          await fetch('/dicom-web/studies', {
            method: 'POST',
            body: new Uint8Array(payload),
            headers: { 'Content-Type': type, Accept: 'application/dicom+json' },
          })
        ).status,
      { payload: [...stowPayload()], type: STOW_TYPE },
    );
    expect(status).toBe(200);
    expect((await orthancState(run)).instances).toBe(before.instances + 2);
    await page.close();
  });
});
