// Transfer syntaxes: which ones the reader decodes (uncompressed little endian) and names for the ones it rejects.

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

/** Native (uncompressed) little-endian syntaxes, whose pixel data dcmjs hands over as plain bytes. */
const SUPPORTED = new Set([IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]);

const NAMES: Record<string, string> = {
  [IMPLICIT_VR_LITTLE_ENDIAN]: 'Implicit VR Little Endian',
  [EXPLICIT_VR_LITTLE_ENDIAN]: 'Explicit VR Little Endian',
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]: 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian (retired)',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, First-Order Prediction (Process 14, SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
};

export function isSupportedTransferSyntax(uid: string): boolean {
  return SUPPORTED.has(uid);
}

/** "JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50)", or the bare UID when unknown. */
export function describeTransferSyntax(uid: string): string {
  const name = NAMES[uid];
  return name ? `${name} (${uid})` : `transfer syntax ${uid}`;
}
