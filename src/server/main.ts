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
import { OPEN_MANIFEST, openDicomFolder } from './openStudy';
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
  /** The user's own DICOM study folder (read-only), shown instead of the demo; stored to the PACS with --pacs. */
  open?: string;
  /** More window.config.naDenoise options (e.g. { debugHook: true } for the e2e tests' window.__naDenoise). */
  extensionOptions?: Record<string, unknown>;
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
  open?: string;
  pacsDir?: string;
  extensionOptions?: Record<string, unknown>;
}

/** Parses `npm start -- …` flags; a bad value throws one line (e.g. `--port must be an integer in [0, 65535], got "x"`). */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const program = new Command('npm start')
    .usage(
      '[-- --port 8787] [--pacs [--pacs-dir DIR]] [--open DICOM_FOLDER] [--host 127.0.0.1] [--demo-dir data/demo] [--demo-size 64]',
    )
    .addOption(intOption('--port <n>', 'HTTP port (0: any free port)', PORT_RULE, Number(process.env.PORT ?? 8787)))
    .addOption(textOption('--host <host>', 'address to listen on').default('127.0.0.1'))
    .option('--pacs', 'serve the study from a private Orthanc PACS (DICOMweb)', false)
    .addOption(
      textOption('--pacs-dir <dir>', "keep the PACS's storage in this folder across runs (default: temporary)"),
    )
    .addOption(
      textOption('--open <dir>', 'show your own DICOM study folder (read-only; with --pacs it is stored to the PACS)'),
    )
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
    .addOption(
      textOption(
        '--extension-options <json>',
        'more window.config.naDenoise options as a JSON object, e.g. \'{"debugHook":true}\'',
      ).argParser(extensionOptionsFlag),
    )
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
  if (o.pacsDir && !o.pacs) throw new Error('--pacs-dir needs --pacs');
  if (o.pacsDir && o.orthancStorage) throw new Error('--pacs-dir and --orthanc-storage name the same folder: give one');
  const storage = o.pacsDir ?? o.orthancStorage;
  return {
    port: o.port,
    host: o.host,
    pacs: o.pacs,
    demoDir: path.resolve(o.demoDir),
    demoSize: o.demoSize,
    orthancHttpPort: o.orthancPort,
    maxBodyMib: o.maxBodyMib,
    ...(storage !== undefined ? { orthancStorage: path.resolve(storage) } : {}),
    ...(o.orthancDicomPort !== undefined ? { orthancDicomPort: o.orthancDicomPort } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
    wasmThreads: o.wasmThreads,
    ...(o.open ? { open: path.resolve(o.open) } : {}),
    ...(o.extensionOptions ? { extensionOptions: o.extensionOptions } : {}),
  };
}

/** --extension-options: a JSON object, or one line saying why not. */
function extensionOptionsFlag(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`--extension-options must be a JSON object, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`--extension-options must be a JSON object, got ${JSON.stringify(text.slice(0, 80))}`);
  return v as Record<string, unknown>;
}

/** The URL that opens a study in our mode: from the PACS, or from a dicomjson manifest (the demo's by default). */
export function viewerUrl(origin: string, studyUid: string, pacs: boolean, manifest = '/demo/study.json'): string {
  return pacs
    ? `${origin}/${ROUTE_NAME}/orthanc?StudyInstanceUIDs=${studyUid}`
    : `${origin}/${ROUTE_NAME}/dicomjson?url=${manifest}&StudyInstanceUIDs=${studyUid}`;
}

/** One line saying what is running: which study, from where, and whether the PACS storage is kept. */
export function modeLine(args: StartArgs, openDir?: string): string {
  const study = openDir ? `your study from ${openDir} (read-only)` : 'the synthetic demo study';
  if (!args.pacs) return `${study}, served as DICOM JSON (no PACS)`;
  const storage = args.orthancStorage ? `storage kept in ${args.orthancStorage}` : 'temporary storage, deleted on exit';
  return `PACS: ${study} stored to a private Orthanc (${storage}), viewed over DICOMweb`;
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
  // --open: the user's folder is only read; no demo is generated.
  const opened = args.open ? openDicomFolder(args.open) : undefined;
  const demo = opened
    ? undefined
    : await ensureDemoStudy(args.demoDir, { size: args.demoSize, log: (m) => console.error(m) });
  if (opened) {
    console.error(
      `[open] ${opened.dir}: study ${opened.studyInstanceUid} "${opened.studyDescription ?? ''}", ` +
        `${opened.files.length} images in ${opened.manifest.studies[0].series.length} series` +
        (opened.skipped ? ` (${opened.skipped} other files skipped)` : '') +
        '; read-only',
    );
  }

  // Signals stop whatever has started so far (also while the upload runs).
  let orthanc: OrthancHandle | undefined;
  const running: { server?: ReturnType<typeof createNaServer> } = {};
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.error(`[server] ${why}: stopping${orthanc ? ' the server and Orthanc' : ''}`);
    running.server?.closeAllConnections?.();
    running.server?.close();
    await orthanc?.stop();
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig));

  if (args.pacs) {
    orthanc = await startOrthanc({
      httpPort: args.orthancHttpPort,
      storageDir: args.orthancStorage,
      dicomPort: args.orthancDicomPort,
      log: (m) => console.error(m),
    });
    try {
      const n = await uploadFiles(orthanc, opened ? opened.files : listDicomFiles(args.demoDir));
      console.error(
        `[pacs] Orthanc ${orthanc.version} at ${orthanc.url} (storage ${orthanc.storageDir}); stored ${n} instances`,
      );
    } catch (e) {
      console.error(`npm start: ${(e as Error).message}`);
      return stop('upload failed', 1);
    }
    console.error(`[pacs] Orthanc REST credentials (mode 0600): ${orthanc.credentialsFile}`);
  }
  const server = (running.server = createNaServer({
    ohifDist,
    bundleDir,
    weightsDir: path.join(ROOT, 'weights'), // the viewer loads weights/<model>/ under it
    demoDir: opened ? undefined : args.demoDir,
    openStudy: opened,
    appConfig: renderAppConfig({
      dataSource: args.pacs ? 'orthanc' : 'dicomjson',
      naDenoise: {
        ...args.extensionOptions,
        ...(args.backend ? { backend: args.backend } : {}),
        ...(args.wasmThreads ? {} : { wasmThreads: false }),
      },
    }),
    orthancUrl: orthanc?.url,
    orthancAuthorization: orthanc?.authorization,
    maxBodyBytes: args.maxBodyMib * 1024 * 1024,
    allowedHosts: [args.host],
    log: (m) => console.error(m),
  }));
  const port = await listen(server, args.port, args.host).catch(async (e: Error) => {
    await orthanc?.stop();
    throw e;
  });
  const origin = `http://${hostName(args.host)}:${port}`;
  console.error(`[server] mode: ${modeLine(args, opened?.dir)} (Ctrl-C to stop)`);
  console.log(
    viewerUrl(
      origin,
      opened?.studyInstanceUid ?? demo!.studyInstanceUid,
      args.pacs,
      opened ? OPEN_MANIFEST : undefined,
    ),
  );
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`npm start: ${e.message}`);
    process.exit(1);
  });
}
