// `npm start` entry (after scripts/start.js prepared deps, OHIF dist and bundle): demo study, optional Orthanc, server.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createNaServer, listen } from './server';
import { renderAppConfig } from './appConfig';
import { ensureDemoStudy, DEMO_DEFAULTS } from './demo';
import { startOrthanc, uploadFiles, type OrthancHandle } from './orthanc';
import { listDicomFiles } from './manifest';
import { ROUTE_NAME } from './route';

export interface StartArgs {
  port: number;
  host: string;
  pacs: boolean;
  demoDir: string;
  demoSize: number;
  orthancHttpPort: number;
  /** Forces the extension's tfjs backend (window.config.naDenoise.backend); default: the fastest measured. */
  backend?: string;
  /** false: single-threaded WASM even when cross-origin isolated. */
  wasmThreads: boolean;
}

const ROOT = path.resolve(__dirname, '..', '..');

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args: StartArgs = {
    port: Number(process.env.PORT ?? 8787),
    host: '127.0.0.1',
    pacs: false,
    demoDir: path.join(ROOT, 'data', 'demo'),
    demoSize: DEMO_DEFAULTS.size,
    orthancHttpPort: 0,
    wasmThreads: true,
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const int = (flag: string, min: number, max: number) => {
      const n = Number(value(i++, flag));
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer in [${min}, ${max}]`);
      return n;
    };
    if (a === '--pacs') args.pacs = true;
    else if (a === '--port') args.port = int('--port', 0, 65535);
    else if (a === '--host') args.host = value(i++, '--host');
    else if (a === '--demo-dir') args.demoDir = path.resolve(value(i++, '--demo-dir'));
    else if (a === '--demo-size') args.demoSize = int('--demo-size', 16, 256);
    else if (a === '--orthanc-port') args.orthancHttpPort = int('--orthanc-port', 0, 65535);
    else if (a === '--backend') {
      const b = value(i++, '--backend');
      if (!['webgpu', 'webgl', 'wasm', 'cpu'].includes(b))
        throw new Error(`--backend must be webgpu, webgl, wasm or cpu, got ${b}`);
      args.backend = b;
    } else if (a === '--no-wasm-threads') args.wasmThreads = false;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'npm start [-- --port 8787] [--pacs] [--host 127.0.0.1] [--demo-dir data/demo] [--demo-size 64] [--orthanc-port N]\n' +
          '          [--backend webgpu|webgl|wasm|cpu] [--no-wasm-threads]\n',
      );
      process.exit(0);
    } else throw new Error(`Unknown option ${a} (try --help)`);
  }
  return args;
}

/** The URL that opens the demo study in our mode. */
export function viewerUrl(origin: string, studyUid: string, pacs: boolean): string {
  return pacs
    ? `${origin}/${ROUTE_NAME}/orthanc?StudyInstanceUIDs=${studyUid}`
    : `${origin}/${ROUTE_NAME}/dicomjson?url=/demo/study.json&StudyInstanceUIDs=${studyUid}`;
}

async function main(): Promise<void> {
  const args = parseStartArgs(process.argv.slice(2));
  const ohifDist = process.env.NA_OHIF_DIST ?? path.join(ROOT, '.cache', 'ohif-app-3.13.2', 'dist');
  const bundleDir = path.join(ROOT, 'dist', 'na');
  for (const [what, file] of [
    ['the OHIF viewer', path.join(ohifDist, 'index.html')],
    ['our bundle', path.join(bundleDir, 'na-denoise.js')],
  ]) {
    if (!fs.existsSync(file)) throw new Error(`Missing ${what} (${file}): run \`npm start\`, which prepares it`);
  }
  const demo = await ensureDemoStudy(args.demoDir, { size: args.demoSize, log: (m) => console.error(m) });

  let orthanc: OrthancHandle | undefined;
  if (args.pacs) {
    orthanc = await startOrthanc({ httpPort: args.orthancHttpPort, log: (m) => console.error(m) });
    const n = await uploadFiles(orthanc.url, listDicomFiles(args.demoDir));
    console.error(
      `[pacs] Orthanc ${orthanc.version} at ${orthanc.url} (storage ${orthanc.storageDir}); uploaded ${n} instances`,
    );
  }
  const server = createNaServer({
    ohifDist,
    bundleDir,
    weightsDir: path.join(ROOT, 'weights'),
    demoDir: args.demoDir,
    appConfig: renderAppConfig({
      dataSource: args.pacs ? 'orthanc' : 'dicomjson',
      naDenoise: {
        ...(args.backend ? { backend: args.backend } : {}),
        ...(args.wasmThreads ? {} : { wasmThreads: false }),
      },
    }),
    orthancUrl: orthanc?.url,
  });
  const port = await listen(server, args.port, args.host);
  const origin = `http://${args.host}:${port}`;
  const stop = async () => {
    server.close();
    await orthanc?.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.error(`[server] serving the OHIF viewer, the Denoise Na extension and the demo study (Ctrl-C to stop)`);
  console.log(viewerUrl(origin, demo.studyInstanceUid, args.pacs));
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`npm start: ${e.message}`);
    process.exit(1);
  });
}
