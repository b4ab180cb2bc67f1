// Minimal types for cli-progress 3.12 (the package ships none): only the SingleBar surface the training progress uses.
declare module 'cli-progress' {
  export interface Options {
    stream?: NodeJS.WritableStream;
    format?: string;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    etaBuffer?: number;
    noTTYOutput?: boolean;
  }
  export class SingleBar {
    constructor(options: Options);
    start(total: number, startValue: number, payload?: Record<string, unknown>): void;
    update(current: number, payload?: Record<string, unknown>): void;
    update(payload: Record<string, unknown>): void;
    stop(): void;
  }
}
