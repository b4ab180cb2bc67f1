// multipart/related bodies (RFC 2387) as DICOMweb uses them: STOW-RS requests and WADO-RS responses carry one
// application/dicom part per instance.

/** A STOW-RS request body: multipart/related with one application/dicom part per instance. */
export function stowBody(files: readonly ArrayBuffer[], boundary: string): Blob {
  const parts: BlobPart[] = [];
  for (const f of files) {
    parts.push(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, f, '\r\n');
  }
  parts.push(`--${boundary}--\r\n`);
  return new Blob(parts);
}

/** The Content-Type of a STOW-RS request with this boundary. */
export function stowContentType(boundary: string): string {
  return `multipart/related; type="application/dicom"; boundary=${boundary}`;
}

/** The boundary parameter of a multipart Content-Type (quoted or not); throws when there is none. */
export function multipartBoundary(contentType: string | null): string {
  const type = contentType ?? '';
  if (!/^\s*multipart\//i.test(type))
    throw new Error(`expected a multipart answer, got "${type || 'no Content-Type'}"`);
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new Error(`multipart answer without a boundary ("${type}")`);
  return boundary;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export interface MultipartPart {
  /** Part headers, names lower-cased. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * Splits a multipart body into its parts (headers and bytes, copied out of `body`). Throws for a body that does not
 * start with the boundary or is cut off before the closing delimiter.
 * @example parseMultipart(bytes, response.headers.get('content-type')).map((p) => p.body)
 */
export function parseMultipart(body: Uint8Array, contentType: string | null): MultipartPart[] {
  const boundary = multipartBoundary(contentType);
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${boundary}`);
  const nextDelimiter = enc.encode(`\r\n--${boundary}`);
  const headerEnd = enc.encode('\r\n\r\n');
  let pos = indexOf(body, delimiter, 0);
  if (pos === -1) throw new Error('multipart answer does not contain its boundary');
  const parts: MultipartPart[] = [];
  for (;;) {
    pos += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    const headStart = pos;
    const headStop = indexOf(body, headerEnd, headStart);
    if (headStop === -1) throw new Error(`multipart part ${parts.length + 1} has no end of headers`);
    const headers: Record<string, string> = {};
    for (const line of new TextDecoder('latin1').decode(body.subarray(headStart, headStop)).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = headStop + headerEnd.length;
    const end = indexOf(body, nextDelimiter, start);
    if (end === -1) throw new Error(`multipart answer cut off in part ${parts.length + 1} (no closing boundary)`);
    parts.push({ headers, body: body.slice(start, end) });
    pos = end + 2;
  }
}
