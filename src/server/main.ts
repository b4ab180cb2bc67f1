// `npm start` entry (after scripts/start.js prepared deps, OHIF dist and bundle): demo study, optional Orthanc, server.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { choiceOption, intOption, textOption } from '../cli/parse';
import { createNaServer, listen } from './server';
import { renderAppConfig } from './appConfig';
import { ensureDemoStudy, DEMO_DEFAULTS } from './demo';
import { startOrthanc, uploadFiles, type OrthancHandle } from './orthanc';
import { listDicomFiles } from './manifest';
import { ROUTE_NAME } from './route';
import { DEFAULT_MAX_BODY_BYTES } from './pacsProxy';
import { hostName } from './requestGuards';

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
  /** Largest request body the PACS proxy passes on (STOW-RS), in MiB. */
  maxBodyMib: number;
  /** A persistent Orthanc storage folder (never deleted); default: temporary storage removed on exit. */
  orthancStorage?: string;
  /** Orthanc's DICOM port (loopback only); default: no DICOM server. */
  orthancDicomPort?: number;
}

const ROOT = path.resolve(__dirname, '..', '..');
const PORT_RULE = { min: 0, max: 65535 };
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

interface StartFlags {
  port: number;
  host: string;
  pacs: boolean;
  demoDir: string;
  demoSize: number;
  orthancPort: number;
  orthancStorage?: string;
  orthancDicomPort?: number;
  maxBodyMib: number;
  backend?: string;
  wasmThreads: boolean;
}

/** Parses `npm start -- …` flags; a bad value throws one line (e.g. `--port must be an integer in [0, 65535], got "x"`). */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const program = new Command('npm start')
    .usage('[-- --port 8787] [--pacs] [--host 127.0.0.1] [--demo-dir data/demo] [--demo-size 64] [--orthanc-port N]')
    .addOption(intOption('--port <n>', 'HTTP port (0: any free port)', PORT_RULE, Number(process.env.PORT ?? 8787)))
    .addOption(textOption('--host <host>', 'address to listen on').default('127.0.0.1'))
    .option('--pacs', 'serve the demo study from a private Orthanc PACS (DICOMweb)', false)
    .addOption(textOption('--demo-dir <dir>', 'demo study folder').default(path.join(ROOT, 'data', 'demo')))
    .addOption(intOption('--demo-size <n>', 'demo study matrix (n³ voxels)', { min: 16, max: 256 }, DEMO_DEFAULTS.size))
    .addOption(intOption('--orthanc-port <n>', "Orthanc's HTTP port (0: any free port)", PORT_RULE, 0))
    .addOption(textOption('--orthanc-storage <dir>', 'persistent Orthanc store, never deleted (default: temporary)'))
    .addOption(
      intOption('--orthanc-dicom-port <n>', "Orthanc's DICOM port on loopback (default: none)", { min: 1, max: 65535 }),
    )
    .addOption(
      intOption(
        '--max-body-mib <n>',
        'largest request body the PACS proxy passes on (STOW-RS), in MiB',
        { min: 1, max: 65536 },
        DEFAULT_MAX_BODY_BYTES / (1024 * 1024),
      ),
    )
    .addOption(
      choiceOption('--backend <name>', "the extension's tfjs backend (default: the fastest measured)", BACKENDS),
    )
    .option('--no-wasm-threads', 'single-threaded WASM even when cross-origin isolated')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') process.exit(0);
      const unknown = /unknown option '([^']*)'/.exec(e.message);
      if (unknown) throw new Error(`Unknown option ${unknown[1]} (try --help)`);
      const missing = /option '(--[\w-]+)[^']*' argument missing/.exec(e.message);
      throw new Error(missing ? `${missing[1]} needs a value` : e.message.replace(/^error: /, ''));
    }
    throw e;
  }
  const o = program.opts<StartFlags>();
  return {
    port: o.port,
    host: o.host,
    pacs: o.pacs,
    demoDir: path.resolve(o.demoDir),
    demoSize: o.demoSize,
    orthancHttpPort: o.orthancPort,
    maxBodyMib: o.maxBodyMib,
    ...(o.orthancStorage !== undefined ? { orthancStorage: path.resolve(o.orthancStorage) } : {}),
    ...(o.orthancDicomPort !== undefined ? { orthancDicomPort: o.orthancDicomPort } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
    wasmThreads: o.wasmThreads,
  };
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
    orthanc = await startOrthanc({
      httpPort: args.orthancHttpPort,
      storageDir: args.orthancStorage,
      dicomPort: args.orthancDicomPort,
      log: (m) => console.error(m),
    });
    const n = await uploadFiles(orthanc, listDicomFiles(args.demoDir));
    console.error(
      `[pacs] Orthanc ${orthanc.version} at ${orthanc.url} (storage ${orthanc.storageDir}); uploaded ${n} instances`,
    );
    console.error(`[pacs] Orthanc REST credentials (mode 0600): ${orthanc.credentialsFile}`);
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
    orthancAuthorization: orthanc?.authorization,
    maxBodyBytes: args.maxBodyMib * 1024 * 1024,
    allowedHosts: [args.host],
    log: (m) => console.error(m),
  });
  const port = await listen(server, args.port, args.host).catch(async (e: Error) => {
    await orthanc?.stop();
    throw e;
  });
  const origin = `http://${hostName(args.host)}:${port}`;
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
