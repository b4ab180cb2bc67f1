// Chooses the tfjs backend: tries each candidate in order, records why any failed, and picks the fastest by a
// quick measured matMul (a software-rendered WebGL loses to WASM; tfjs's static priorities would not notice).
import { IS_NODE, markWasmInitialised, tf } from './tf';

export interface BackendTrial {
  name: string;
  ok: boolean;
  /** Why the backend was unavailable or failed its check. */
  reason?: string;
  /** Measured plain matMul throughput (128×1728 · 1728×256, the DA's hot shape). */
  gflops?: number;
  /** Not tried: WebGL runs on a software rasterizer here (its name), the CPU behind a GPU API (see softwareWebGL). */
  software?: string;
}

export interface BackendSelection {
  backend: string;
  tried: BackendTrial[];
}

export interface SelectBackendOptions {
  /** Tried first; chosen whenever it works (measured only if `measure` is true). */
  preferred?: string;
  /** Availability order; default webgpu → webgl → wasm → cpu in a browser, wasm → cpu in Node. */
  candidates?: string[];
  /** Measure matMul speed of every working candidate and pick the fastest (default true). */
  measure?: boolean;
  /**
   * The renderer behind this page's WebGL when the caller knows it (a viewer's rendering library probed it already):
   * saves the context softwareWebGL would make to find it out.
   */
  webglRenderer?: string;
}

export const BROWSER_CANDIDATES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export const NODE_CANDIDATES = ['wasm', 'cpu'] as const;
const KNOWN = new Set<string>(BROWSER_CANDIDATES);

export function defaultCandidates(): string[] {
  return IS_NODE ? [...NODE_CANDIDATES] : [...BROWSER_CANDIDATES];
}

async function ensureRegistered(name: string): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  if ((name === 'webgl' || name === 'webgpu') && !IS_NODE) await import('./backend-browser');
}

/** Makes `name` the active backend; returns why not, or undefined on success. */
export async function activateBackend(name: string): Promise<string | undefined> {
  if (!KNOWN.has(name)) return `unknown backend "${name}" (known: ${[...KNOWN].join(', ')})`;
  if (IS_NODE && (name === 'webgl' || name === 'webgpu')) return `${name} needs a browser (no GPU context in Node)`;
  try {
    await ensureRegistered(name);
    if (!tf.findBackendFactory(name)) return `${name} is not registered`;
    // setBackend logs and returns false when the factory throws (e.g. no WebGL context).
    const ok = await tf.setBackend(name);
    if (!ok) return `${name} failed to initialise`;
    if (name === 'wasm') markWasmInitialised();
    // A tiny op proves kernels run (catches, e.g., a WebGL context that compiles no shaders).
    const probe = tf.tidy(() => tf.sum(tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]))));
    const value = (await probe.data())[0];
    probe.dispose();
    if (value !== 12) return `${name} computed a wrong result (${value} instead of 12)`;
    return undefined;
  } catch (err) {
    return `${name} threw: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Renderers that are software rasterizers: WebGL on them is the CPU behind a GPU API. */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render driver/i;

/**
 * The renderer behind this page's WebGL when it is a software rasterizer (SwiftShader, llvmpipe…, what Chromium and
 * Firefox use without a usable GPU), else undefined (a GPU, no WebGL, or not a browser). Such a WebGL is never worth
 * trying for tfjs: it measured 0.3 GFLOP/s against WASM's 18 on the DA's matMul, and trying it (context, shader
 * compiles, the measure) took seconds of the page's and the GPU process's CPU just as the viewer opens. One throwaway
 * context, a few ms on an idle page (0.5 s seen on a busy one), unless the caller knows the renderer already.
 * @example if (softwareWebGL()) console.log('no GPU: WASM it is')
 */
export function softwareWebGL(knownRenderer?: string): string | undefined {
  if (knownRenderer) return SOFTWARE_RENDERERS.test(knownRenderer) ? knownRenderer : undefined;
  if (IS_NODE) return undefined;
  try {
    const canvas =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(1, 1)
        : typeof document !== 'undefined'
          ? document.createElement('canvas')
          : undefined;
    const gl = (canvas?.getContext('webgl2') ?? canvas?.getContext('webgl')) as
      WebGLRenderingContext | null | undefined;
    if (!gl) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return SOFTWARE_RENDERERS.test(renderer) ? renderer : undefined;
  } catch {
    return undefined;
  }
}

/** Plain matMul GFLOP/s of the active backend on the DA's layer-2 shape (a few tens of ms). */
export async function measureMatMulGflops(m = 128, k = 1728, n = 256, minMillis = 60): Promise<number> {
  const a = tf.randomUniform([m, k], -1, 1, 'float32', 1);
  const b = tf.randomUniform([k, n], -1, 1, 'float32', 2);
  try {
    const once = async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    };
    await once(); // warm-up: shader compilation / wasm memory growth
    let runs = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < minMillis || runs < 2) {
      await once();
      runs++;
    }
    const seconds = (performance.now() - t0) / 1000;
    return (2 * m * k * n * runs) / seconds / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Activates the best available backend and reports every attempt. With `preferred`, that backend wins whenever it
 * works; otherwise the fastest measured candidate wins (ties and `measure: false` keep the candidate order). A WebGL
 * on a software rasterizer is not tried unless preferred (softwareWebGL).
 */
export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendSelection> {
  const measure = opts.measure ?? true;
  const order = [...(opts.candidates ?? defaultCandidates())];
  if (order.length === 0) throw new Error('selectBackend: no candidate backends given');
  const tried: BackendTrial[] = [];

  if (opts.preferred) {
    const reason = await activateBackend(opts.preferred);
    const trial: BackendTrial = { name: opts.preferred, ok: reason === undefined, reason };
    tried.push(trial);
    if (trial.ok) {
      if (measure) trial.gflops = await measureMatMulGflops();
      return { backend: opts.preferred, tried };
    }
  }

  for (const name of order) {
    if (name === opts.preferred) continue;
    const software = name === 'webgl' ? softwareWebGL(opts.webglRenderer) : undefined;
    if (software) {
      tried.push({ name, ok: false, software, reason: `software renderer (${software}), slower than WASM: not tried` });
      continue;
    }
    // tfjs's CPU backend is plain JavaScript, 10–100× slower than WASM on every op we use: once WASM works, timing
    // it only costs seconds (one of its matMuls takes ~1 s here) before the first run.
    if (name === 'cpu' && tried.some((t) => t.ok && t.name === 'wasm')) continue;
    const reason = await activateBackend(name);
    const trial: BackendTrial = { name, ok: reason === undefined, reason };
    tried.push(trial);
    if (trial.ok && measure) trial.gflops = await measureMatMulGflops();
    if (trial.ok && !measure) break; // first working one in order
  }
  const working = tried.filter((t) => t.ok);
  if (working.length === 0) {
    throw new Error(`no tfjs backend works: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`);
  }
  const best = working.reduce((a, b) => ((b.gflops ?? 0) > (a.gflops ?? 0) ? b : a));
  if (tf.getBackend() !== best.name) {
    const reason = await activateBackend(best.name);
    if (reason) throw new Error(`backend ${best.name} worked during selection but not afterwards: ${reason}`);
  }
  return { backend: best.name, tried };
}

/**
 * The backend a job asked for, activated if it is not the current one (or the current one, ready): its name.
 * @example await useBackend(opts.backend, 'createDATrainer') // 'wasm'
 */
export async function useBackend(name: string | undefined, who: string): Promise<string> {
  if (name !== undefined && (await currentBackend()) !== name) {
    const reason = await activateBackend(name);
    if (reason) throw new Error(`${who}: backend unavailable: ${reason}`);
  }
  return currentBackend();
}

/** The active backend, initialising tfjs's default one if none is active yet. */
export async function currentBackend(): Promise<string> {
  await tf.ready();
  return tf.getBackend();
}
