// Loading DA weights from disk or over HTTP: the tfjs LayersModel format (model.json + float32 shards) with the model
// card, read and checked without TensorFlow.js (the CLI's main thread and the viewer's page only hand weights to
// workers). Saving, which builds a real LayersModel, is weights-io.ts.
import { IS_NODE, nodeBuiltin } from '../runtime';
import { DA_WEIGHT_SPECS, type DAWeights, validateWeights } from './architecture';
import { Sha256, toHex } from '../../core/sha256';
import { cardStages, type ModelCard, parseModelCard } from './card';
import { modelWeightsSource } from './models';
import { concatBytes } from '../../core/bytes';

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');

export const MODEL_JSON = 'model.json';
export const MODEL_CARD_JSON = 'model-card.json';
export const WEIGHTS_BIN = 'weights.bin';
/** A two-stage model's second network (model.json + weights.bin) lives in this subfolder of its weights folder. */
export const STAGE2_DIR = 'stage2';

/** What the engine needs to denoise: plain weights (no tensors held) and the card that says how to normalise. */
export interface LoadedDA {
  weights: DAWeights;
  card: ModelCard;
  /** Directory or URL the weights came from (for logs and provenance). */
  source: string;
  /** da-wide's second network, run on the first one's output (card architecture.stages 2); absent for the paper's DA. */
  stage2?: DAWeights;
  /** The model checksum: SHA-256 (hex) of the weight shards in manifest order, checked against the card's sha256
   * (set by loadDA; absent for weights that never were on disk). */
  checksum?: string;
}

/**
 * A shard path from a manifest, checked to stay inside the model's folder: plain relative names only (letters, digits,
 * '.', '_', '-', '/' between names), no '..', no absolute path, no URL, no '%' escapes, no backslash.
 */
export function checkShardPath(p: unknown, where: string): string {
  const ok =
    typeof p === 'string' &&
    p.length > 0 &&
    p.length <= 255 &&
    /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(p);
  if (!ok)
    throw new Error(
      `${where}: weight shard path ${JSON.stringify(p)} is refused; shards must be plain relative file names inside the model's folder (no '..', absolute path or URL)`,
    );
  return p;
}

/** The model checksum of shards given in manifest order. */
export function modelChecksum(shards: readonly (ArrayBuffer | Uint8Array)[]): string {
  const h = new Sha256();
  for (const b of shards) h.update(b instanceof Uint8Array ? b : new Uint8Array(b));
  return toHex(h.digest());
}

/** Weights that cannot have been trained: every value zero, or a kernel whose values are all equal. */
export function assertPlausibleWeights(weights: DAWeights, where: string): void {
  if (DA_WEIGHT_SPECS.every((spec) => weights[spec.name].every((v) => v === 0)))
    throw new Error(`${where}: every weight is zero; these are not trained weights`);
  for (const spec of DA_WEIGHT_SPECS) {
    const w = weights[spec.name];
    // Biases may start (and stay) constant; a kernel with one value everywhere is broken or blanked.
    if (spec.name.endsWith('/kernel') && w.length > 1 && w.every((v) => v === w[0]))
      throw new Error(
        `${where}: weight ${spec.name} holds the same value (${w[0]}) everywhere; these are not trained weights`,
      );
  }
}

/** The default model's weights folder (weights/default.json names it; see models.ts); 'weights/da/' in a browser. */
export function defaultWeightsSource(): string {
  return modelWeightsSource();
}

function isUrl(source: string): boolean {
  return /^(https?:|blob:|data:)/i.test(source) || !IS_NODE;
}

function join(base: string, name: string): string {
  if (isUrl(base)) return base.endsWith('/') ? base + name : `${base}/${name}`;
  return nodeBuiltin<Path>('node:path').join(base, name);
}

async function readBytes(location: string): Promise<ArrayBuffer> {
  if (isUrl(location)) {
    const res = await fetch(location);
    if (!res.ok) throw new Error(`cannot fetch ${location}: HTTP ${res.status}`);
    return res.arrayBuffer();
  }
  const fs = nodeBuiltin<Fs>('node:fs');
  if (!fs.existsSync(location)) throw new Error(`DA weights file not found: ${location}`);
  const buf = fs.readFileSync(location);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function readJson(location: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readBytes(location));
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${location} is not valid JSON: ${(err as Error).message}`);
  }
}

export interface ModelJson {
  format?: string;
  modelTopology?: { config?: { layers?: Array<{ class_name?: string; config?: Record<string, unknown> }> } };
  weightsManifest?: Array<{
    paths: string[];
    weights: Array<{ name: string; shape: number[]; dtype: string; quantization?: unknown }>;
  }>;
}

const EXPECTED_LAYERS: Array<[string, Record<string, unknown>]> = [
  ['Conv3D', { filters: 64, kernel_size: [3, 3, 3], padding: 'valid', activation: 'relu' }],
  ['Conv3D', { filters: 256, kernel_size: [3, 3, 3], padding: 'valid', activation: 'relu' }],
  ['Flatten', {}],
  ['Dense', { units: 32, activation: 'relu' }],
  ['Dense', { units: 256, activation: 'relu' }],
  ['Dense', { units: 1, activation: 'linear' }],
];

/** Throws unless a saved topology is the paper's network (so wrong weights fail loudly, not silently). */
function checkTopology(json: ModelJson, where: string): void {
  const layers = (json.modelTopology?.config?.layers ?? []).filter((l) => l.class_name !== 'InputLayer');
  const got = layers.map((l) => l.class_name).join(', ');
  const want = EXPECTED_LAYERS.map(([c]) => c).join(', ');
  if (got !== want) throw new Error(`${where}: layers are [${got}] but the DA is [${want}]`);
  layers.forEach((layer, i) => {
    for (const [key, value] of Object.entries(EXPECTED_LAYERS[i][1])) {
      const actual = layer.config?.[key];
      if (JSON.stringify(actual) !== JSON.stringify(value)) {
        throw new Error(
          `${where}: layer ${i + 1} (${layer.class_name}) has ${key} ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}`,
        );
      }
    }
  });
}

/** Decodes the float32 shards of a weights manifest into DAWeights, checking names, shapes and dtype. */
function decodeWeights(
  manifest: NonNullable<ModelJson['weightsManifest']>,
  shards: ArrayBuffer[],
  where: string,
): DAWeights {
  const all = concatBytes(shards);
  const total = all.byteLength;
  const specs = manifest.flatMap((g) => g.weights);
  const byName = new Map<string, Float32Array>();
  let offset = 0;
  for (const s of specs) {
    if (s.dtype !== 'float32' || s.quantization)
      throw new Error(
        `${where}: weight ${s.name} is ${s.dtype}${s.quantization ? ' (quantised)' : ''}; only float32 is supported`,
      );
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * n > total) throw new Error(`${where}: weight shards hold ${total} bytes, too few for ${s.name}`);
    byName.set(s.name, new Float32Array(all.slice(offset, offset + 4 * n).buffer));
    offset += 4 * n;
  }
  if (offset !== total)
    throw new Error(`${where}: weight shards hold ${total} bytes but the manifest describes ${offset}`);
  const out = {} as DAWeights;
  for (const spec of DA_WEIGHT_SPECS) {
    const entry = specs.find((s) => s.name === spec.name);
    if (!entry)
      throw new Error(`${where}: no weight named ${spec.name} (found ${specs.map((s) => s.name).join(', ')})`);
    if (entry.shape.join(',') !== spec.shape.join(','))
      throw new Error(`${where}: ${spec.name} has shape [${entry.shape}], expected [${spec.shape}]`);
    out[spec.name] = byName.get(spec.name)!;
  }
  if (specs.length !== DA_WEIGHT_SPECS.length)
    throw new Error(`${where}: ${specs.length} weights, the DA has ${DA_WEIGHT_SPECS.length}`);
  validateWeights(out);
  return out;
}

/**
 * Loads DA weights and their model card from a directory (Node) or URL prefix (browser/HTTP).
 * Default: the default model's folder (weights/default.json). Throws a clear error for a missing file, a different network, or a bad card.
 * @param source - a folder holding model.json, weights.bin and model-card.json (e.g. weights/da), or an http(s) URL prefix
 * @returns the weights as plain arrays, the parsed model card and the source they came from
 * @example
 * const model = await loadDA('weights/da');
 * const { volume } = await denoiseDA(acquisition, model);
 */
export async function loadDA(source: string = defaultWeightsSource()): Promise<LoadedDA> {
  const first = await loadNetwork(source);
  const cardUrl = join(source, MODEL_CARD_JSON);
  const card = parseModelCard(await readJson(cardUrl), cardUrl);
  const second = cardStages(card) === 2 ? await loadNetwork(join(source, STAGE2_DIR)) : undefined;
  const weights = first.weights;
  const checksum = modelChecksum([...first.shards, ...(second?.shards ?? [])]);
  if (checksum !== card.sha256)
    throw new Error(
      `${source}: the weight shards' SHA-256 is ${checksum} but ${MODEL_CARD_JSON} says ${card.sha256}; the weights are corrupted or not the ones the card describes`,
    );
  assertPlausibleWeights(weights, source);
  if (second) assertPlausibleWeights(second.weights, join(source, STAGE2_DIR));
  return { weights, card, source, checksum, ...(second ? { stage2: second.weights } : {}) };
}

/** One network's model.json and shards in `folder`: checked topology, decoded weights, the shards' bytes. */
async function loadNetwork(folder: string): Promise<{ weights: DAWeights; shards: ArrayBuffer[] }> {
  const modelUrl = join(folder, MODEL_JSON);
  const json = (await readJson(modelUrl)) as ModelJson;
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${modelUrl} is not a tfjs LayersModel (no weightsManifest)`);
  }
  checkTopology(json, modelUrl);
  const paths = json.weightsManifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths : [g.paths]));
  const shards = await Promise.all(paths.map((p) => readBytes(join(folder, checkShardPath(p, modelUrl)))));
  return { weights: decodeWeights(json.weightsManifest, shards, modelUrl), shards };
}
