// Where the model layer runs (Node or a browser) and Node built-ins reached without a static import; no tfjs here,
// so light modules (model folders, weights paths) can ask without loading TensorFlow.js.

/** True in Node (and Jest); false in browsers and web workers. */
export const IS_NODE: boolean =
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

/** Node built-ins without a static import, so a web bundle never tries to resolve them. */
export function nodeBuiltin<T>(id: 'node:fs' | 'node:path'): T {
  const get = IS_NODE
    ? (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
    : undefined;
  if (!get) throw new Error(`${id} is only available in Node (>= 20.16)`);
  return get(id) as T;
}
