// Ambient types for the small part of dcmjs (which ships no typings) that src/io/dicom uses.
declare module 'dcmjs' {
  /** One element of a denaturalized ("dict") dataset, keyed by 8-hex-digit tag. */
  export interface DicomDictElement {
    vr: string;
    Value: unknown[];
  }
  export type DicomDictDataset = Record<string, DicomDictElement>;

  export interface DicomReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export interface DicomWriteOptions {
    allowInvalidVRLength?: boolean;
    fragmentMultiframe?: boolean;
  }

  export namespace data {
    class DicomDict {
      constructor(meta: DicomDictDataset);
      meta: DicomDictDataset;
      dict: DicomDictDataset;
      write(options?: DicomWriteOptions): ArrayBuffer;
    }
    const DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: DicomReadOptions): DicomDict;
    };
    const DicomMetaDictionary: {
      naturalizeDataset(dict: DicomDictDataset): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): DicomDictDataset;
      sopClassNamesByUID: Record<string, string>;
    };
  }

  type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  export interface Logger {
    setLevel(level: LogLevelName | number): void;
    getLevel(): number;
  }
  /** loglevel root logger; dcmjs's own named loggers include 'validation.dcmjs'. */
  export const log: Logger & { getLogger(name: string): Logger };
}
