// DICOM UIDs under the 2.25 root: a UUID written as one decimal integer (PS3.5 B.2), random (version 4) or a
// function of a name (SHA-based, version 8 layout) so the same input always yields the same UID.
import { Sha256 } from '../../core/sha256';

/** A fresh, globally unique DICOM UID: "2.25." + 128-bit random UUID as decimal (at most 44 characters). */
export function newUid(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return uuidToUid(bytes, 0x40); // UUID version 4
}

/**
 * A deterministic UID: "2.25." + the first 128 bits of SHA-256(name) laid out as an RFC 9562 version-8 UUID.
 * @example nameBasedUid('series|1.2.3|da|…') // the same string always gives the same UID
 */
export function nameBasedUid(name: string): string {
  const digest = new Sha256().update(new TextEncoder().encode(name)).digest();
  return uuidToUid(digest.slice(0, 16), 0x80);
}

function uuidToUid(bytes: Uint8Array, version: number): string {
  bytes[6] = (bytes[6] & 0x0f) | version;
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122/9562 variant
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
