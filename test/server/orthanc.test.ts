import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as http from 'node:http';
import { startOrthanc, uploadFiles, orthancConfig, type OrthancHandle } from '../../src/server/orthanc';
import { createNaServer, listen } from '../../src/server/server';
import { listDicomFiles } from '../../src/server/manifest';
import { writeDicomSeriesFiles, writeDicomSeries, newUid } from '../../src/io';
import { stowBody } from '../../src/io/pacs/multipart';
import { createVolume } from '../../src/core/volume';

// A real Orthanc (Debian orthanc + orthanc-dicomweb) behind our same-origin proxy: QIDO, WADO and STOW-RS.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'na-orthanc-test-'));
let orthanc: OrthancHandle;
let server: http.Server;
let origin: string;
const study = newUid();
const vol = createVolume({
  dims: [6, 5, 4],
  spacing: [4, 4, 4],
  data: new Float32Array(120).map((_, i) => 50 + (i % 13) * 7),
});

beforeAll(async () => {
  await writeDicomSeriesFiles(path.join(tmp, 'src'), vol, {
    studyInstanceUID: study,
    seriesNumber: 1,
    seriesDescription: '23Na acq 1',
  });
  orthanc = await startOrthanc();
  expect(await uploadFiles(orthanc, listDicomFiles(path.join(tmp, 'src')))).toBe(4);
  server = createNaServer({
    ohifDist: tmp,
    bundleDir: tmp,
    appConfig: '',
    orthancUrl: orthanc.url,
    orthancAuthorization: orthanc.authorization,
  });
  origin = `http://127.0.0.1:${await listen(server, 0)}`;
}, 60000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await orthanc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Orthanc behind the proxy', () => {
  it('runs on loopback with the DICOMweb plugin, credentials and its own storage', async () => {
    const cfg = orthancConfig(8042, '/x', { u: 'p' });
    expect(cfg).toMatchObject({
      RemoteAccessAllowed: false,
      DicomServerEnabled: false,
      AuthenticationEnabled: true,
      RegisteredUsers: { u: 'p' },
    });
    expect(orthancConfig(8042, '/x', {}, 4242)).toMatchObject({ DicomServerEnabled: true, DicomPort: 4242 });
    expect(cfg.DicomWeb).toMatchObject({ Enable: true, Root: '/dicom-web/' });
    expect(orthanc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fs.existsSync(path.join(orthanc.runDir, 'orthanc.json'))).toBe(true);
    expect(orthanc.storageDir.startsWith(orthanc.runDir)).toBe(true);
    expect((await fetch(`${orthanc.url}/system`)).status).toBe(401);
  });

  it('answers QIDO-RS through the same-origin proxy, isolation headers added', async () => {
    const r = await fetch(`${origin}/dicom-web/studies?StudyInstanceUID=${study}`, {
      headers: { Accept: 'application/dicom+json' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const studies = (await r.json()) as Array<Record<string, { Value: unknown[] }>>;
    expect(studies.map((s) => s['0020000D'].Value[0])).toEqual([study]);
  });

  it('stores a derived series sent as STOW-RS multipart through the proxy', async () => {
    const instances = await (await fetch(`${origin}/dicom-web/studies/${study}/instances`)).json();
    const sourceSeries = instances[0]['0020000E'].Value[0] as string;
    const sops = instances.map((i: Record<string, { Value: string[] }>) => i['00080018'].Value[0]);
    const header = { StudyInstanceUID: study, SeriesInstanceUID: sourceSeries, ImagedNucleus: '23Na', SeriesNumber: 1 };
    const files = writeDicomSeries(vol, {
      derivedFrom: {
        seriesInstanceUID: sourceSeries,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
        sopInstanceUIDs: sops,
        header,
      },
      derivation: { method: 'DA denoised' },
      seriesDescription: 'Na DA denoised',
    });
    const boundary = 'na-test-boundary';
    const r = await fetch(`${origin}/dicom-web/studies`, {
      method: 'POST',
      headers: {
        'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        Accept: 'application/dicom+json',
      },
      body: Buffer.from(await stowBody(files, boundary).arrayBuffer()),
    });
    expect(r.status).toBe(200);
    const series = (await (await fetch(`${origin}/dicom-web/studies/${study}/series`)).json()) as Array<
      Record<string, { Value: unknown[] }>
    >;
    const descriptions = series.map((s) => s['0008103E'].Value[0]).sort();
    expect(descriptions).toEqual(['23Na acq 1', 'Na DA denoised']);
  });
});
