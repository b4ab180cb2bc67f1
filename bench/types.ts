// What each benchmark module returns: one table of rows, printed and written to JSON by bench/index.ts.
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Record<string, string | number | null>>;
  /** Free-form notes printed under the table (e.g. which baseline was missing and why). */
  notes?: string[];
  /** The 1-minute load average when the module started and ended (filled by bench/index.ts; a shared machine). */
  load?: { start: number; end: number; cores: number };
}

export type BenchModule = { run: () => Promise<BenchTable[]> };
