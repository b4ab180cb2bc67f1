// Byte buffers: joining the shards of a file (weights) into one array.

/** The bytes of `parts` one after another, in a new array. */
export function concatBytes(parts: readonly (ArrayBuffer | ArrayBufferView)[]): Uint8Array {
  const views = parts.map((p) =>
    ArrayBuffer.isView(p) ? new Uint8Array(p.buffer, p.byteOffset, p.byteLength) : new Uint8Array(p),
  );
  const out = new Uint8Array(views.reduce((n, v) => n + v.byteLength, 0));
  let offset = 0;
  for (const v of views) {
    out.set(v, offset);
    offset += v.byteLength;
  }
  return out;
}
