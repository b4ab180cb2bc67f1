// The layers import only downward: core ← io, phantom ← model ← jobs (browser-safe), research (Node-only) ←
// extension, cli, server. The extension knows OHIF and never reaches research.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', 'src');
const LAYERS = ['core', 'io', 'phantom', 'model', 'jobs', 'research', 'extension', 'cli', 'server'] as const;
/** Which src/ layers each layer may import from (itself always allowed). */
const ALLOWED: Record<(typeof LAYERS)[number], string[]> = {
  core: [],
  io: ['core'],
  phantom: ['core', 'io'],
  model: ['core', 'io', 'phantom'],
  jobs: ['core', 'io', 'phantom', 'model'],
  research: ['core', 'io', 'phantom', 'model', 'jobs'],
  extension: ['core', 'io', 'phantom', 'model', 'jobs'],
  cli: ['core', 'io', 'phantom', 'model', 'jobs', 'research'],
  server: ['core', 'io', 'phantom', 'model', 'jobs'],
};
/** Single files a layer may import from a layer beside it: `npm start` parses its flags with the CLI's flag rules. */
const ALLOWED_FILES: Partial<Record<(typeof LAYERS)[number], string[]>> = {
  server: ['cli/parse'],
};

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : [],
    );
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

describe('architecture', () => {
  it.each(LAYERS)('src/%s imports only from the layers below it', (layer) => {
    const bad: string[] = [];
    for (const file of sources(path.join(SRC, layer))) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const targetFile = path
          .relative(SRC, path.resolve(path.dirname(file), spec))
          .split(path.sep)
          .join('/');
        const target = targetFile.split('/')[0];
        if (ALLOWED_FILES[layer]?.includes(targetFile.replace(/\.tsx?$/, ''))) continue;
        if (target !== layer && !ALLOWED[layer].includes(target)) bad.push(`${path.relative(SRC, file)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('src/core uses neither tfjs nor the DOM', () => {
    const bad = sources(path.join(SRC, 'core')).filter((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return /@tensorflow|\bdocument\.|\bwindow\./.test(text);
    });
    expect(bad).toEqual([]);
  });

  it('src/jobs is browser-safe: no node: modules, no terminal or file libraries', () => {
    const bad = sources(path.join(SRC, 'jobs')).flatMap((f) =>
      imports(f)
        .filter((s) => /^node:|^(fs|path|os|child_process|worker_threads|cli-progress)$/.test(s))
        .map((s) => `${path.relative(SRC, f)} → ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('only src/extension knows OHIF or Cornerstone', () => {
    const bad = LAYERS.filter((l) => l !== 'extension')
      .flatMap((l) => sources(path.join(SRC, l)))
      .filter((f) => imports(f).some((s) => /^@ohif\/|^@cornerstonejs\//.test(s)));
    expect(bad).toEqual([]);
  });

  it('hot-loop Math/Number bindings come from src/core/math.ts, not per-module aliases', () => {
    const bad = LAYERS.flatMap((l) => sources(path.join(SRC, l)))
      .filter((f) => !f.endsWith(path.join('core', 'math.ts')))
      .filter((f) => /=\s*(Math|Number)\s*;/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(bad).toEqual([]);
  });

  it('src/extension keeps no module-level mutable state: it lives in the OHIF service (Web Worker entries excepted)', () => {
    const bad = sources(path.join(SRC, 'extension'))
      .filter((f) => !f.endsWith('.worker.ts'))
      .flatMap((f) => moduleLevelState(f).map((what) => `${path.relative(SRC, f)}: ${what}`));
    expect(bad).toEqual([]);
  });
});

/** Top-level `let`/`var`, and top-level constants holding a Map, Set or array that is not frozen or `as const`. */
function moduleLevelState(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const list = st.declarationList;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const d of list.declarations) {
      const name = d.name.getText(sf);
      if (!isConst) found.push(`top-level let/var ${name}`);
      else if (d.initializer && mutableContainer(d.initializer)) found.push(`top-level mutable ${name}`);
    }
  }
  return found;
}

function mutableContainer(init: ts.Expression): boolean {
  if (ts.isNewExpression(init)) return /^(Map|Set|WeakMap|WeakSet|Array)$/.test(init.expression.getText());
  if (ts.isArrayLiteralExpression(init)) return true;
  if (ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) {
    if (ts.isAsExpression(init) && init.type.getText() === 'const') return false;
    return mutableContainer(init.expression);
  }
  return false; // Object.freeze(…), calls and scalars
}
