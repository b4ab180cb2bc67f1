// DICOM UIDs under the 2.25 root: a random (version 4) UUID written as one decimal integer (PS3.5 B.2).

/** A fresh, globally unique DICOM UID: "2.25." + 128-bit random UUID as decimal (at most 44 characters). */
export function newUid(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // UUID version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return `2.25.${n.toString()}`;
}

/** True for a syntactically valid UID: dot-separated decimal components, no leading zeros, at most 64 characters. */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}

/** Identifies files written by this project (File Meta ImplementationClassUID); fixed so it never changes per run. */
export const IMPLEMENTATION_CLASS_UID = '2.25.214387953209876188301445270823153405837';
export const IMPLEMENTATION_VERSION_NAME = 'SODIUM_DN_0_1';
