// `sodium-denoise batch` and `watch` against a real Orthanc on loopback (2.3-3.3 min at load 20 on 2 cores): three
// shard workers side by side, one of them SIGKILLed in the middle of storing a series and rerun, the DA through our
// server's /dicom-web proxy, and `watch` following the changes feed across a restart. 20 studies of 24³ phantom
// heads, NLM with block radius 2.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOrthanc, uploadFiles, type OrthancHandle } from '../../src/server/orthanc';
import { createNaServer, listen } from '../../src/server/server';
import { derivedInstanceUid, derivedSeriesKey, derivedSeriesUid } from '../../src/jobs/derivedSeries';
import { shardOf } from '../../src/jobs/pacs/shard';
import { loadDA } from '../../src/model/da';
import { writeStudies, type GeneratedStudy } from '../helpers/pacsStudies';
import { startCli, type CliResult } from '../helpers/cliProcess';

jest.setTimeout(300_000);

const STUDIES = 20;
const SLICES = 24;
const NLM_ARGS = ['--method', 'nlm', '--block-radius', '2', '--threads', '1', '--json'];
/** The worker's flags for our Orthanc: its REST credentials from the 0600 file it writes. */
const auth = () => ['--credentials-file', orthanc.credentialsFile];
const nlmUid = (source: string) => derivedSeriesUid(derivedSeriesKey(source, { method: 'nlm', blockRadius: 2 }));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'na-batch-test-'));
let orthanc: OrthancHandle;
let studies: GeneratedStudy[];

interface OrthancSeries {
  ID: string;
  Instances: string[];
  MainDicomTags: { SeriesInstanceUID: string; SeriesDescription?: string };
}

async function rest<T>(p: string, init?: RequestInit): Promise<T> {
  const r = await fetch(`${orthanc.url}${p}`, { ...init, headers: { Authorization: orthanc.authorization } });
  if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

async function seriesOfStudy(studyUid: string): Promise<OrthancSeries[]> {
  const [hit] = await rest<Array<{ ID: string }>>('/tools/lookup', { method: 'POST', body: studyUid });
  return rest<OrthancSeries[]>(`/studies/${hit.ID}/series`);
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Checks every study: its originals as uploaded (byte for byte) plus exactly the derived series `derived` names. */
async function expectPacsState(derived: (s: GeneratedStudy) => string[]): Promise<void> {
  for (const study of studies) {
    const series = await seriesOfStudy(study.studyInstanceUid);
    const originals = [study.sodiumSeriesUid, ...study.otherSeriesUids];
    const expected = [...originals, ...derived(study)].sort();
    expect(series.map((s) => s.MainDicomTags.SeriesInstanceUID).sort()).toEqual(expected);
    const stored: string[] = [];
    for (const s of series) {
      if (!originals.includes(s.MainDicomTags.SeriesInstanceUID)) {
        expect(s.Instances).toHaveLength(SLICES);
        continue;
      }
      for (const id of s.Instances) {
        const r = await fetch(`${orthanc.url}/instances/${id}/file`, {
          headers: { Authorization: orthanc.authorization },
        });
        stored.push(sha(new Uint8Array(await r.arrayBuffer())));
      }
    }
    expect(stored.sort()).toEqual(study.files.map((f) => sha(fs.readFileSync(f))).sort());
  }
}

const doneSeries = (r: CliResult) =>
  r.events.filter((e) => e.event === 'end' && e.status === 'done').map((e) => e.series);
const summaryOf = (r: CliResult) => r.events.find((e) => e.event === 'summary') as { counts: Record<string, number> };

/** A DICOMweb pass-through that SIGKILLs its worker when the worker sends its second STOW-RS request. */
function killingProxy(target: string, onSecondStow: () => void): Promise<{ url: string; server: http.Server }> {
  let stows = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'POST' && ++stows === 2) {
        onSecondStow();
        res.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      for (const h of ['accept', 'content-type', 'authorization'])
        if (req.headers[h]) headers[h] = String(req.headers[h]);
      try {
        const r = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.destroy();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }),
    ),
  );
}

beforeAll(async () => {
  studies = await writeStudies(path.join(tmp, 'studies'), STUDIES, SLICES);
  orthanc = await startOrthanc({ storageDir: path.join(tmp, 'orthanc'), extraConfig: { StableAge: 1 } });
  for (const s of studies) await uploadFiles(orthanc, s.files);
});

afterAll(async () => {
  await orthanc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('batch: three shard workers on one PACS', () => {
  it('every sodium series gets exactly one derived series, also after a worker is SIGKILLed mid-series and rerun', async () => {
    const dicomweb = `${orthanc.url}/dicom-web`;
    // The worker to kill is the one with the most series, so it surely has a series to be killed in.
    const perShard = [0, 1, 2].map((i) => studies.filter((s) => shardOf(s.sodiumSeriesUid, 3) === i).length);
    const victim = perShard.indexOf(Math.max(...perShard));
    let victimRun: ReturnType<typeof startCli> | undefined;
    const proxy = await killingProxy(dicomweb, () => victimRun?.kill('SIGKILL'));
    const runs = [0, 1, 2].map((i) => {
      const url = i === victim ? proxy.url : dicomweb;
      const run = startCli([
        'batch',
        '--dicomweb',
        url,
        '--shard',
        `${i}/3`,
        '--stow-batch',
        '8',
        ...NLM_ARGS,
        ...auth(),
      ]);
      if (i === victim) victimRun = run;
      return run;
    });
    const results = await Promise.all(runs.map((r) => r.done));
    proxy.server.close();

    // The victim died by SIGKILL after storing 8 of the 24 instances of its first series; the others finished.
    expect(results[victim].signal).toBe('SIGKILL');
    const killedIn = results[victim].events.find((e) => e.event === 'start' && e.description === '23Na 3D radial');
    const partialUid = nlmUid(String(killedIn?.series));
    const partial = (await seriesOfStudy(String(killedIn?.study))).find(
      (s) => s.MainDicomTags.SeriesInstanceUID === partialUid,
    );
    expect(partial?.Instances).toHaveLength(8);
    for (const i of [0, 1, 2].filter((i) => i !== victim)) {
      expect(results[i].code).toBe(0);
      expect(summaryOf(results[i]).counts).toMatchObject({ failed: 0, done: perShard[i] });
    }

    const rerun = await startCli(['batch', '--dicomweb', dicomweb, '--shard', `${victim}/3`, ...NLM_ARGS, ...auth()])
      .done;
    expect(rerun.code).toBe(0);
    expect(summaryOf(rerun).counts).toMatchObject({ done: perShard[victim], failed: 0 });
    const repaired = rerun.events.find((e) => e.event === 'end' && e.repaired === true);
    expect(repaired).toMatchObject({ series: killedIn?.series, stored: SLICES - 8, instances: SLICES });

    // Shards never overlap, and together they did every sodium series once.
    const done = [...results.flatMap(doneSeries), ...doneSeries(rerun)];
    expect(new Set(done).size).toBe(done.length);
    expect(done.sort()).toEqual(studies.map((s) => s.sodiumSeriesUid).sort());
    await expectPacsState((s) => [nlmUid(s.sodiumSeriesUid)]);

    // The repaired series has the deterministic instance UIDs and one series date and time throughout.
    const instances = (await (
      await fetch(`${dicomweb}/studies/${killedIn?.study}/series/${partialUid}/instances?includefield=00080031`, {
        headers: { Authorization: orthanc.authorization },
      })
    ).json()) as Array<Record<string, { Value: string[] }>>;
    expect(instances.map((i) => i['00080018'].Value[0]).sort()).toEqual(
      Array.from({ length: SLICES }, (_, k) => derivedInstanceUid(partialUid, k + 1)).sort(),
    );
    expect(new Set(instances.map((i) => i['00080031'].Value[0])).size).toBe(1);

    // A whole-PACS pass finds nothing left to do.
    const check = await startCli(['batch', '--dicomweb', dicomweb, '--dry-run', ...NLM_ARGS, ...auth()]).done;
    expect(check.code).toBe(0);
    expect(summaryOf(check).counts).toMatchObject({
      done: 0,
      'would-denoise': 0,
      'already-derived': STUDIES,
      'not-sodium': studies.filter((s) => s.protonSeriesUid).length,
      'not-original': studies.filter((s) => s.vendorDerivedSeriesUid).length + STUDIES,
      failed: 0,
    });
  });

  it('the DA through the viewer server’s /dicom-web proxy: a second, DA-derived series naming its model', async () => {
    const server = createNaServer({
      ohifDist: tmp,
      bundleDir: tmp,
      appConfig: '',
      orthancUrl: orthanc.url,
      orthancAuthorization: orthanc.authorization,
    });
    const origin = `http://127.0.0.1:${await listen(server, 0)}`;
    try {
      const study = studies[0];
      const r = await startCli([
        'batch',
        '--dicomweb',
        `${origin}/dicom-web`,
        '--study',
        study.studyInstanceUid,
        '--method',
        'da',
        '--json',
      ]).done;
      expect(r.code).toBe(0);
      expect(summaryOf(r).counts).toMatchObject({ done: 1, failed: 0 });
      const model = await loadDA();
      const daUid = derivedSeriesUid(derivedSeriesKey(study.sodiumSeriesUid, { method: 'da', weights: model }, model));
      expect(doneSeries(r)).toEqual([study.sodiumSeriesUid]);
      expect(r.events.find((e) => e.event === 'end' && e.status === 'done')).toMatchObject({ derivedSeriesUid: daUid });
      const meta = (await (
        await fetch(`${origin}/dicom-web/studies/${study.studyInstanceUid}/series/${daUid}/metadata`)
      ).json()) as Array<Record<string, { Value: unknown[] }>>;
      expect(meta).toHaveLength(SLICES);
      const description = String(meta[0]['00082111'].Value[0]);
      expect(description).toContain(`model=${model.card.name}`);
      expect(description).toContain(`version=${model.card.version}`);
      expect(description).toContain(`sha256=${model.checksum}`);
      const referenced = meta[0]['00081115'].Value[0] as Record<string, { Value: unknown[] }>;
      expect(referenced['0020000E'].Value[0]).toBe(study.sodiumSeriesUid);
      expect(meta[0]['00082112']).toBeDefined(); // SourceImageSequence
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('watch: denoising on arrival', () => {
  it('denoises a study stored while it runs, and after a restart redoes nothing', async () => {
    const state = path.join(tmp, 'watch-state.json');
    const args = ['watch', '--orthanc', orthanc.url, '--state-file', state, '--poll', '0.5', ...NLM_ARGS, ...auth()];
    const watch = startCli(args);
    const [late] = await writeStudies(path.join(tmp, 'late'), 1, SLICES, STUDIES);
    await uploadFiles(orthanc, late.files);
    const end = await watch.waitFor((e) => e.event === 'end' && e.series === late.sodiumSeriesUid, 180_000);
    expect(end).toMatchObject({ status: 'done', derivedSeriesUid: nlmUid(late.sodiumSeriesUid), stored: SLICES });
    watch.kill('SIGTERM');
    const stopped = await watch.done;
    expect(stopped.code).toBe(0);
    // Everything stored before the watch started was already derived: only the new series was denoised.
    expect(doneSeries(stopped)).toEqual([late.sodiumSeriesUid]);
    const since = (JSON.parse(fs.readFileSync(state, 'utf8')) as { since: number }).since;
    expect(since).toBeGreaterThanOrEqual(Number(end.seq));

    const before = await rest<{ CountInstances: number }>('/statistics');
    const again = await startCli([...args, '--once']).done;
    expect(again.code).toBe(0);
    expect(summaryOf(again).counts).toMatchObject({ done: 0, failed: 0 });
    expect(again.events.some((e) => e.event === 'end' && e.series === late.sodiumSeriesUid)).toBe(false);
    expect((await rest<{ CountInstances: number }>('/statistics')).CountInstances).toBe(before.CountInstances);
    const series = await seriesOfStudy(late.studyInstanceUid);
    expect(series.filter((s) => s.MainDicomTags.SeriesInstanceUID === nlmUid(late.sodiumSeriesUid))).toHaveLength(1);
  });
});
