// Model selection: weights/default.json names the default, --model picks a shipped model by name, --weights any
// folder; unknown names, a default.json naming a model without weights, and a broken default.json fail in one line.
// Pure file checks plus loads of both shipped models (about 2 s).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultModelName,
  modelWeightsSource,
  parseModelName,
  resolveWeightsSource,
  weightsRoot,
} from '../../../src/model/da/models';
import { defaultWeightsSource, loadDA } from '../../../src/model/da/weights-io';

describe('model selection', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function writeModel(name: string): void {
    fs.mkdirSync(path.join(root, name));
    fs.writeFileSync(path.join(root, name, 'model.json'), '{}');
  }

  it('the repository names a shipped default whose folder loads as the paper network', async () => {
    const name = defaultModelName();
    expect(['da', 'da-wide']).toContain(name);
    expect(defaultWeightsSource()).toBe(path.join(weightsRoot(), name));
    const shipped = await loadDA(modelWeightsSource('da'));
    expect(shipped.card.architecture.parameters).toBe(461345);
    expect(shipped.source).toBe(path.join(weightsRoot(), 'da'));
  });

  it('--model da-wide loads the shipped two-stage model, checksum over both networks; --weights loads its folder too', async () => {
    const dir = resolveWeightsSource({ model: 'da-wide' });
    expect(dir).toBe(path.join(weightsRoot(), 'da-wide'));
    const wide = await loadDA(dir);
    expect(wide.card.architecture.stages).toBe(2);
    expect(wide.stage2).toBeDefined();
    expect(wide.checksum).toBe(wide.card.sha256);
    expect(wide.card.training.bestEpoch as number).toBeLessThan(wide.card.training.epochs as number);
    expect(wide.card.trainingRange).toBeDefined();
    expect((await loadDA(resolveWeightsSource({ weights: dir, model: undefined }))).checksum).toBe(wide.checksum);
    const paper = await loadDA(resolveWeightsSource({ model: 'da' }));
    expect(paper.stage2).toBeUndefined();
  });

  it('default.json decides the default; --model overrides it; --weights overrides both', () => {
    writeModel('da');
    writeModel('da-wide');
    fs.writeFileSync(path.join(root, 'default.json'), JSON.stringify({ model: 'da-wide', why: 'test' }));
    expect(defaultModelName(root)).toBe('da-wide');
    expect(modelWeightsSource(undefined, root)).toBe(path.join(root, 'da-wide'));
    expect(modelWeightsSource('da', root)).toBe(path.join(root, 'da'));
    expect(resolveWeightsSource({ weights: '/any/folder', model: 'da' })).toBe('/any/folder');
  });

  it('fails in one line for an unknown name, a model without weights, and a missing or broken default.json', () => {
    expect(() => parseModelName('unet')).toThrow("--model: unknown model 'unet' (known: da, da-wide)");
    writeModel('da');
    expect(() => modelWeightsSource('da-wide', root)).toThrow(/model 'da-wide' has no trained weights in /);
    expect(() => defaultModelName(root)).toThrow(/default\.json not found/);
    fs.writeFileSync(path.join(root, 'default.json'), '{"model": "bm3d"}');
    expect(() => defaultModelName(root)).toThrow(/default\.json: unknown model 'bm3d'/);
    fs.writeFileSync(path.join(root, 'default.json'), '{model');
    expect(() => defaultModelName(root)).toThrow(/default\.json is not valid JSON/);
  });
});
