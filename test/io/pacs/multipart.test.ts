// multipart/related as DICOMweb uses it: a STOW-RS body read back part by part, byte for byte, and the errors of a
// cut-off or boundary-less body.
import { multipartBoundary, parseMultipart, stowBody, stowContentType } from '../../../src/io/pacs/multipart';

const part = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed + 13) & 0xff).buffer;

describe('multipart/related', () => {
  it('reads back every part of a STOW-RS body, including bytes that look like line ends and dashes', async () => {
    const files = [part(1000, 7), part(0, 1), Uint8Array.from([13, 10, 45, 45, 13, 10]).buffer, part(4096, 31)];
    const boundary = 'b-123';
    const body = new Uint8Array(await stowBody(files, boundary).arrayBuffer());
    const parts = parseMultipart(body, stowContentType(boundary));
    expect(parts.map((p) => Array.from(p.body))).toEqual(files.map((f) => Array.from(new Uint8Array(f))));
    expect(parts.every((p) => p.headers['content-type'] === 'application/dicom')).toBe(true);
  });

  it('finds quoted and unquoted boundaries and refuses answers that are not multipart', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('Multipart/Related;boundary=xyz;type=application/dicom')).toBe('xyz');
    expect(() => multipartBoundary('application/dicom+json')).toThrow(/expected a multipart answer/);
    expect(() => multipartBoundary('multipart/related; type="application/dicom"')).toThrow(/without a boundary/);
  });

  it('refuses a body cut off before its closing boundary', async () => {
    const body = new Uint8Array(await stowBody([part(100, 3)], 'zz').arrayBuffer());
    expect(() => parseMultipart(body.subarray(0, 80), stowContentType('zz'))).toThrow(/cut off in part 1/);
  });
});
