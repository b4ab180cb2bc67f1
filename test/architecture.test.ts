// The layers import only downward: core ← io, phantom ← model ← commands ← extension; cli beside extension.
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');
const LAYERS = ['core', 'io', 'phantom', 'model', 'commands', 'extension', 'cli', 'server'] as const;
/** Which src/ layers each layer may import from (itself always allowed). */
const ALLOWED: Record<(typeof LAYERS)[number], string[]> = {
  core: [],
  io: ['core'],
  phantom: ['core', 'io'],
  model: ['core', 'io', 'phantom'],
  commands: ['core', 'io', 'phantom', 'model'],
  extension: ['core', 'io', 'phantom', 'model', 'commands'],
  cli: ['core', 'io', 'phantom', 'model', 'commands'],
  server: ['core', 'io', 'phantom', 'model', 'commands'],
};

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
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
        const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
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

  it('only src/extension knows OHIF or Cornerstone', () => {
    const bad = LAYERS.filter((l) => l !== 'extension')
      .flatMap((l) => sources(path.join(SRC, l)))
      .filter((f) => imports(f).some((s) => /^@ohif\/|^@cornerstonejs\//.test(s)));
    expect(bad).toEqual([]);
  });
});
