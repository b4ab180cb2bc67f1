// The shipped models: one folder per model under weights/ (weights/da/ is the paper's network, weights/da-wide/ the
// wider one) and weights/default.json naming the default. The CLI's --model, the server and the tests resolve
// through here so a move of the weights touches one file.
import { IS_NODE, nodeBuiltin } from '../runtime';

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');

/** The models this product knows by name. */
export const MODEL_NAMES = ['da', 'da-wide'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The file under weights/ that names the default model. */
export const DEFAULT_MODEL_JSON = 'default.json';

/** The repository's weights/ folder in Node; 'weights/' beside the page in a browser. */
export function weightsRoot(): string {
  if (!IS_NODE) return 'weights/';
  return nodeBuiltin<Path>('node:path').resolve(__dirname, '..', '..', '..', 'weights');
}

/** Checks a model name from a flag or a file; throws a one-line error naming the known models. */
export function parseModelName(name: string, where = '--model'): ModelName {
  if ((MODEL_NAMES as readonly string[]).includes(name)) return name as ModelName;
  throw new Error(`${where}: unknown model '${name}' (known: ${MODEL_NAMES.join(', ')})`);
}

/**
 * The default model named by `<root>/default.json` ({"model": "da", "why": "…"}), Node only.
 * @example defaultModelName() // 'da'
 */
export function defaultModelName(root: string = weightsRoot()): ModelName {
  const fs = nodeBuiltin<Fs>('node:fs');
  const file = nodeBuiltin<Path>('node:path').join(root, DEFAULT_MODEL_JSON);
  if (!fs.existsSync(file)) throw new Error(`${file} not found: it names the default model`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const model = (json as { model?: unknown } | null)?.model;
  if (typeof model !== 'string') throw new Error(`${file}: "model" must be one of ${MODEL_NAMES.join(', ')}`);
  return parseModelName(model, file);
}

/**
 * The folder (Node) or URL prefix (browser) of a model's weights; without a name, the default model's (in a
 * browser, where default.json is not read synchronously, the paper's DA). Throws when a named model has no
 * trained weights in this checkout, rather than loading a folder that holds none.
 * @example modelWeightsSource('da') // '/…/weights/da'
 */
export function modelWeightsSource(name?: ModelName, root: string = weightsRoot()): string {
  if (!IS_NODE) return `${root.replace(/\/?$/, '/')}${name ?? 'da'}/`;
  const chosen = name ?? defaultModelName(root);
  const dir = nodeBuiltin<Path>('node:path').join(root, chosen);
  const fs = nodeBuiltin<Fs>('node:fs');
  if (!fs.existsSync(nodeBuiltin<Path>('node:path').join(dir, 'model.json')))
    throw new Error(`model '${chosen}' has no trained weights in ${dir} (use --model da or --weights DIR)`);
  return dir;
}

/** Where a command's weights come from: --weights DIR wins, else --model NAME, else the default model. */
export function resolveWeightsSource(opts: { weights?: string; model?: string }): string {
  if (opts.weights !== undefined) return opts.weights;
  return modelWeightsSource(opts.model === undefined ? undefined : parseModelName(opts.model));
}

/**
 * A shipped model's name (da, da-wide) or any weights folder, as `adapt --model` takes it; undefined: the default.
 * @example modelOrFolder('da-wide') // '/…/weights/da-wide'; modelOrFolder('runs/x/weights') // 'runs/x/weights'
 */
export function modelOrFolder(value?: string): string {
  if (value !== undefined && (MODEL_NAMES as readonly string[]).includes(value))
    return modelWeightsSource(value as ModelName);
  return value ?? modelWeightsSource();
}
