// The built bundle: ES modules the stock viewer can import, Cornerstone3D left to the host (never bundled twice),
// tfjs' .wasm beside it, the NLM worker chunk, and no Node built-ins.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'dist', 'na');
// scripts/start.js builds dist/na when missing or older than its sources (npm start and the e2e tests rely on it).
const { ensureBundle } = require('../../scripts/start.js') as { ensureBundle: () => void };

/** Strings that exist only in Cornerstone3D's own code (enum values it defines). */
const CORNERSTONE_MARKERS: Array<[pkg: string, marker: string]> = [
  ['@cornerstonejs/core', 'CORNERSTONE_IMAGE_VOLUME_LOADING_COMPLETED'],
  ['@cornerstonejs/core', 'CORNERSTONE_VOLUME_VIEWPORT_NEW_VOLUME'],
  ['@cornerstonejs/tools', 'CORNERSTONE_TOOLS_ANNOTATION_ADDED'],
];

function jsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? jsFiles(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : [],
    );
}

describe('webpack bundle', () => {
  beforeAll(() => ensureBundle(), 900_000);

  it('is two ES modules with a default export (extension, mode)', () => {
    for (const f of ['na-denoise.js', 'na-mode.js']) {
      const text = fs.readFileSync(path.join(OUT, f), 'utf8');
      expect([f, /export\s*\{[^}]*\bas default\b[^}]*\}/.test(text)]).toEqual([f, true]);
    }
  });

  it('does not contain Cornerstone3D (the host provides it through lazy externals)', () => {
    const bundle = jsFiles(OUT)
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    for (const [pkg, marker] of CORNERSTONE_MARKERS) {
      const pkgDir = path.dirname(require.resolve(`${pkg}/package.json`));
      const enums = fs.readFileSync(path.join(pkgDir, 'dist', 'esm', 'enums', 'Events.js'), 'utf8');
      expect(enums).toContain(marker); // the marker really is Cornerstone's code
      expect([marker, bundle.includes(marker)]).toEqual([marker, false]);
    }
    expect(bundle).toMatch(/globalThis(\["cornerstone"\]|\.cornerstone)\b/);
  });

  it("ships tfjs' WASM binaries beside the bundle and the NLM worker as a chunk", () => {
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      const bytes = fs.readFileSync(path.join(OUT, f));
      expect([f, bytes.subarray(0, 4).toString('latin1')]).toEqual([f, '\0asm']);
    }
    const chunks = fs.readdirSync(path.join(OUT, 'chunks'));
    expect(chunks.some((c) => /^na-nlm\.[0-9a-f]+\.js$/.test(c))).toBe(true);
  });

  it('keeps the threaded WASM factory unminified (its toString() starts the worker threads)', () => {
    const text = fs.readFileSync(path.join(OUT, 'tfjs-wasm-threaded.js'), 'utf8');
    expect(text).toContain('var _scriptDir');
  });

  it('imports no Node built-ins (a browser could not load them)', () => {
    // (Emscripten's worker text mentions require("worker_threads") in a Node-only branch; that is not an import.)
    const bundle = jsFiles(OUT)
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    expect(bundle).not.toMatch(
      /(\bfrom\s*|\bimport\s*\(\s*)["'](node:)?(fs|path|worker_threads|child_process|os|crypto)["']/,
    );
  });
});
