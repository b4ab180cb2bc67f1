import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import * as http from 'node:http';
import { createNaServer, listen, safeJoin, ISOLATION_HEADERS } from '../../src/server/server';
import { buildManifest, listDicomFiles, manifestWithOrigin } from '../../src/server/manifest';
import { renderAppConfig } from '../../src/server/appConfig';
import { modeLine, parseStartArgs, viewerUrl } from '../../src/server/main';
import { OPEN_MANIFEST, openDicomFolder } from '../../src/server/openStudy';
import { ROUTE_NAME } from '../../src/server/route';
import { ROUTE_NAME as EXTENSION_ROUTE } from '../../src/extension/id';
import { writeDicomSeriesFiles, newUid } from '../../src/io';
import { createVolume } from '../../src/core/volume';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'na-server-test-'));
const dist = path.join(tmp, 'dist');
const bundle = path.join(tmp, 'bundle');
const demo = path.join(tmp, 'demo');
let server: http.Server;
let origin: string;
let upstream: http.Server;
const upstreamSeen: Array<{ method?: string; url?: string; body: string; authorization?: string; cookie?: string }> =
  [];

beforeAll(async () => {
  fs.mkdirSync(dist, { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>viewer</title>');
  fs.writeFileSync(path.join(dist, 'app.bundle.js'), 'console.log(1)');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'not served');
  fs.mkdirSync(bundle);
  fs.writeFileSync(path.join(bundle, 'na-denoise.js'), 'export default {}');
  fs.writeFileSync(path.join(bundle, 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  const study = newUid();
  for (const k of [1, 2]) {
    const vol = createVolume({ dims: [4, 4, 3], spacing: [3, 3, 3], data: new Float32Array(48).map((_, i) => i * k) });
    await writeDicomSeriesFiles(path.join(demo, `acq-${k}`), vol, {
      studyInstanceUID: study,
      seriesNumber: k,
      seriesDescription: `23Na acq ${k}`,
    });
  }
  fs.writeFileSync(path.join(demo, 'study.json'), JSON.stringify(buildManifest(demo, listDicomFiles(demo))));

  // A stand-in upstream that records what the proxy forwards (the real Orthanc is exercised in orthanc.test.ts).
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { authorization, cookie } = req.headers;
      upstreamSeen.push({ method: req.method, url: req.url, body, authorization, cookie });
      res.writeHead(201, { 'Content-Type': 'application/dicom+json' });
      res.end('[]');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  server = createNaServer({
    ohifDist: dist,
    bundleDir: bundle,
    demoDir: demo,
    appConfig: renderAppConfig({ dataSource: 'orthanc' }),
    orthancUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    orthancAuthorization: 'Basic cGFjczpzZWNyZXQ=',
  });
  const port = await listen(server, 0);
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => upstream.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Node server', () => {
  it('sends cross-origin isolation headers on every response, errors included', async () => {
    for (const p of ['/', '/app.bundle.js', '/app-config.js', '/na/na-denoise.js', '/demo/study.json', '/nope.js']) {
      const r = await fetch(origin + p);
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) expect([p, r.headers.get(k)]).toEqual([p, v]);
    }
  });

  it('serves the viewer for extension-less routes and our files with the right types', async () => {
    const spa = await fetch(`${origin}/${ROUTE_NAME}/dicomjson?url=/demo/study.json`);
    expect(spa.status).toBe(200);
    expect(await spa.text()).toContain('<title>viewer</title>');
    const wasm = await fetch(`${origin}/na/x.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(`${origin}/na/na-denoise.js`)).headers.get('content-type')).toMatch(/text\/javascript/);
    expect((await fetch(`${origin}/na/missing.js`)).status).toBe(404);
  });

  it('never serves files outside its folders', async () => {
    // '..' is clamped at the root, encoded or not; NUL bytes and bad escapes are refused.
    expect(safeJoin(dist, '/../secret.txt')).toBe(path.join(dist, 'secret.txt'));
    expect(safeJoin(dist, '/%2e%2e/%2e%2e/secret.txt')).toBe(path.join(dist, 'secret.txt'));
    expect(safeJoin(dist, '/a%00.js')).toBe(null);
    expect(safeJoin(dist, '/%E0%A4%A')).toBe(null);
    const r = await fetch(`${origin}/na/%2e%2e/%2e%2e/secret.txt`);
    expect(r.status).toBe(404);
    expect(await r.text()).not.toContain('not served');
    expect((await fetch(`${origin}/demo/..%2fsecret.txt`)).status).toBe(404);
  });

  it('serves the dicomjson manifest with absolute dicomweb: URLs that resolve to the DICOM files', async () => {
    const m = await (await fetch(`${origin}/demo/study.json`)).json();
    expect(m.studies).toHaveLength(1);
    const st = m.studies[0];
    expect(st.NumInstances).toBe(6);
    expect(st.Modalities).toBe('MR');
    expect(st.series.map((s: { SeriesNumber: number }) => s.SeriesNumber)).toEqual([1, 2]);
    const inst = st.series[0].instances[0];
    expect(inst.metadata).toMatchObject({
      ImagedNucleus: '23Na',
      Rows: 4,
      Columns: 4,
      InstanceNumber: 1,
      StudyInstanceUID: st.StudyInstanceUID,
    });
    expect(inst.metadata.PixelData).toBeUndefined();
    expect(inst.url).toMatch(new RegExp(`^dicomweb:${origin}/demo/acq-1/IM0+1\\.dcm$`));
    const file = await fetch(inst.url.slice('dicomweb:'.length));
    expect(file.headers.get('content-type')).toBe('application/dicom');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(String.fromCharCode(...bytes.slice(128, 132))).toBe('DICM');
    expect(manifestWithOrigin({ studies: [] }, 'http://x')).toEqual({ studies: [] });
  });

  it('proxies STOW-RS with its body and our credentials; refuses a cross-origin POST before the PACS', async () => {
    const stowType = 'multipart/related; type="application/dicom"; boundary=b';
    const r = await fetch(`${origin}/dicom-web/studies?PatientID=1`, {
      method: 'POST',
      body: 'stow-body',
      headers: { 'Content-Type': stowType, Origin: origin, Cookie: 'session=1', Authorization: 'Basic eDp5' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(upstreamSeen.at(-1)).toEqual({
      method: 'POST',
      url: '/dicom-web/studies?PatientID=1',
      body: 'stow-body',
      authorization: 'Basic cGFjczpzZWNyZXQ=',
      cookie: undefined,
    });
    const seen = upstreamSeen.length;
    const evil = await fetch(`${origin}/dicom-web/studies`, {
      method: 'POST',
      body: 'x',
      headers: { 'Content-Type': stowType, Origin: 'http://evil' },
    });
    expect(evil.status).toBe(403);
    expect(upstreamSeen.length).toBe(seen);
    expect((await fetch(`${origin}/app.bundle.js`, { method: 'DELETE' })).status).toBe(405);
  });

  it('answers 502 with a clear message when the PACS is down', async () => {
    const down = createNaServer({ ohifDist: dist, bundleDir: bundle, appConfig: '', orthancUrl: 'http://127.0.0.1:1' });
    const port = await listen(down, 0);
    const r = await fetch(`http://127.0.0.1:${port}/dicom-web/studies`);
    expect(r.status).toBe(502);
    expect(await r.text()).toMatch(/cannot reach/);
    await new Promise((res) => down.close(res));
  });
});

describe('app-config.js', () => {
  const load = (src: string) => {
    const window: Record<string, unknown> = { location: { origin: 'http://127.0.0.1:8787' } };
    vm.runInNewContext(src, { window });
    return window.config as Record<string, any>;
  };

  it('loads our extension and mode and the demo data source', () => {
    const c = load(renderAppConfig({ dataSource: 'dicomjson' }));
    expect(c.extensions).toEqual(['/na/na-denoise.js']);
    expect(c.modes).toEqual(['/na/na-mode.js']);
    expect(c.defaultDataSourceName).toBe('dicomjson');
    // dicomlocal: OHIF's /local drag-and-drop page needs a source of that name.
    expect(c.dataSources.map((d: { sourceName: string }) => d.sourceName)).toEqual(['dicomjson', 'dicomlocal']);
  });

  it('points the PACS data source at the same-origin proxy with STOW', () => {
    const c = load(renderAppConfig({ dataSource: 'orthanc' }));
    const pacs = c.dataSources.find((d: { sourceName: string }) => d.sourceName === 'orthanc');
    expect(pacs.configuration).toMatchObject({
      wadoRoot: 'http://127.0.0.1:8787/dicom-web',
      qidoRoot: 'http://127.0.0.1:8787/dicom-web',
      supportsStow: true,
    });
    expect(c.defaultDataSourceName).toBe('orthanc');
  });
});

describe('npm start arguments', () => {
  it('parses options and rejects bad ones', () => {
    expect(parseStartArgs(['--pacs', '--port', '9000'])).toMatchObject({ pacs: true, port: 9000, host: '127.0.0.1' });
    expect(() => parseStartArgs(['--port', 'x'])).toThrow(/--port must be an integer/);
    expect(() => parseStartArgs(['--bogus'])).toThrow(/Unknown option --bogus/);
    // The default proxied-body limit takes a 128³ series of 16-bit slices with room to spare; a flag changes it.
    expect(parseStartArgs([]).maxBodyMib * 1024 * 1024).toBeGreaterThan(2 * 128 ** 3 * 4);
    expect(parseStartArgs(['--max-body-mib', '8', '--orthanc-storage', 'pacs-store'])).toMatchObject({
      maxBodyMib: 8,
      orthancStorage: path.resolve('pacs-store'),
    });
    expect(parseStartArgs([]).orthancDicomPort).toBeUndefined();
    expect(() => parseStartArgs(['--max-body-mib', '0'])).toThrow(/--max-body-mib must be an integer/);
    expect(parseStartArgs(['--open', 'x/y'])).toMatchObject({ open: path.resolve('x/y'), pacs: false });
    expect(parseStartArgs(['--pacs', '--pacs-dir', 'p'])).toMatchObject({
      pacs: true,
      orthancStorage: path.resolve('p'),
    });
    expect(() => parseStartArgs(['--pacs-dir', 'p'])).toThrow(/--pacs-dir needs --pacs/);
    expect(() => parseStartArgs(['--open'])).toThrow(/--open needs a value/);
  });

  it('--extension-options takes a JSON object of window.config.naDenoise options', () => {
    expect(parseStartArgs(['--extension-options', '{"debugHook":true,"adaptSeconds":20}'])).toMatchObject({
      extensionOptions: { debugHook: true, adaptSeconds: 20 },
    });
    expect(parseStartArgs([]).extensionOptions).toBeUndefined();
    for (const bad of ['{debugHook}', '[1]', '3', 'null'])
      expect(() => parseStartArgs(['--extension-options', bad])).toThrow(/--extension-options must be a JSON object/);
  });

  it('says which mode runs', () => {
    const args = parseStartArgs([]);
    expect(modeLine(args)).toBe('the synthetic demo study, served as DICOM JSON (no PACS)');
    expect(modeLine(parseStartArgs(['--pacs']), '/d')).toBe(
      'PACS: your study from /d (read-only) stored to a private Orthanc (temporary storage, deleted on exit), viewed over DICOMweb',
    );
  });

  it('prints a URL that opens the demo in our mode', () => {
    expect(ROUTE_NAME).toBe(EXTENSION_ROUTE);
    expect(viewerUrl('http://127.0.0.1:8787', '1.2.3', false)).toBe(
      `http://127.0.0.1:8787/${ROUTE_NAME}/dicomjson?url=/demo/study.json&StudyInstanceUIDs=1.2.3`,
    );
    expect(viewerUrl('http://127.0.0.1:8787', '1.2.3', true)).toBe(
      `http://127.0.0.1:8787/${ROUTE_NAME}/orthanc?StudyInstanceUIDs=1.2.3`,
    );
    expect(viewerUrl('http://127.0.0.1:8787', '1.2.3', false, OPEN_MANIFEST)).toBe(
      `http://127.0.0.1:8787/${ROUTE_NAME}/dicomjson?url=/open/study.json&StudyInstanceUIDs=1.2.3`,
    );
  });
});

describe('--open: a user folder, read-only', () => {
  const userDir = path.join(tmp, 'user');
  let opened: ReturnType<typeof openDicomFolder>;
  let open: http.Server;
  let openOrigin: string;

  beforeAll(async () => {
    // The demo files stand in for a user's study; names without .dcm, a stray note and a nested folder.
    fs.mkdirSync(path.join(userDir, 'nested'), { recursive: true });
    listDicomFiles(demo).forEach((f, k) => fs.copyFileSync(f, path.join(userDir, k % 2 ? 'nested' : '', `IM${k}`)));
    fs.writeFileSync(path.join(userDir, 'notes.txt'), 'not DICOM');
    opened = openDicomFolder(userDir);
    open = createNaServer({ ohifDist: dist, bundleDir: bundle, appConfig: '', openStudy: opened });
    openOrigin = `http://127.0.0.1:${await listen(open, 0)}`;
  });
  afterAll(() => new Promise<void>((r) => open.close(() => r())));

  it('finds every image whatever its name, skips other files, and serves the manifest at /open/', async () => {
    expect(opened.files).toHaveLength(listDicomFiles(demo).length);
    expect(opened.skipped).toBe(1);
    const m = await (await fetch(`${openOrigin}/open/study.json`)).json();
    expect(m.studies).toHaveLength(1);
    expect(m.studies[0].StudyInstanceUID).toBe(opened.studyInstanceUid);
    const url = m.studies[0].series[0].instances[0].url as string;
    expect(url).toMatch(new RegExp(`^dicomweb:${openOrigin}/open/`));
    const r = await fetch(url.slice('dicomweb:'.length));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/dicom');
  });

  it('serves only the listed DICOM files: not the note, not anything outside', async () => {
    expect((await fetch(`${openOrigin}/open/notes.txt`)).status).toBe(404);
    expect((await fetch(`${openOrigin}/open/%2e%2e/secret.txt`)).status).toBe(404);
    expect((await fetch(`${openOrigin}/demo/study.json`)).status).toBe(404);
  });

  it('rejects a missing folder, a file, and a folder without images with one line', () => {
    expect(() => openDicomFolder(path.join(tmp, 'nope'))).toThrow(/--open: .* does not exist/);
    expect(() => openDicomFolder(path.join(tmp, 'secret.txt'))).toThrow(/is not a folder/);
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(() => openDicomFolder(path.join(tmp, 'empty'))).toThrow(/no DICOM images/);
  });
});
