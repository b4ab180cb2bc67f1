// `npm run bench`: runs every benchmark module in one process, prints tables, writes bench/results/bench.json.
// Usage: npm run bench [-- commands da nlm train]   (names select modules; default: all)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchModule, BenchTable } from './types';

const MODULES: Record<string, () => Promise<BenchModule>> = {
  commands: () => import('./commands'),
  da: () => import('./da'),
  nlm: () => import('./nlm'),
  train: () => import('./train'),
  batch: () => import('./batch'),
  adapt: () => import('./adapt'),
  viewer: () => import('./viewer'),
};

/** Whether the kernel shares the CPU per session (autogroup) rather than per thread: it decides what threads can gain. */
const AUTOGROUP = (() => {
  try {
    return fs.readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
})();

function format(table: BenchTable): string {
  const cells = table.rows.map((r) =>
    table.columns.map((c) => {
      const v = r[c];
      return v === null || v === undefined
        ? '—'
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? String(v)
            : v.toPrecision(4)
          : v;
    }),
  );
  const widths = table.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  return [
    `\n## ${table.title}`,
    line(table.columns),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...cells.map(line),
    ...(table.notes ?? []).map((n) => `  note: ${n}`),
  ].join('\n');
}

async function main(): Promise<void> {
  // The Python peers (DIPY, PyTorch) on OpenBLAS, installed when missing (scripts/setup.js).
  require('../scripts/setup').ensureBenchPeers();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(MODULES);
  const tables: BenchTable[] = [];
  const loadAtRunStart = os.loadavg();
  for (const name of names) {
    const load = MODULES[name];
    if (!load) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(MODULES).join(', ')}`);
    const t0 = performance.now();
    const loadAtStart = os.loadavg()[0];
    process.stderr.write(`bench: ${name}…\n`);
    let produced: BenchTable[];
    try {
      produced = await (await load()).run();
    } catch (err) {
      // One failing module must not lose the others' tables (a full run takes tens of minutes).
      const message = err instanceof Error ? err.message : String(err);
      produced = [{ title: `${name}: failed`, columns: ['error'], rows: [{ error: message.split('\n')[0] }] }];
      process.exitCode = 1;
    }
    const loadSpan = { start: loadAtStart, end: os.loadavg()[0], cores: os.availableParallelism() };
    for (const t of produced) {
      t.load = loadSpan;
      t.notes = [
        ...(t.notes ?? []),
        `load average (1 min, ${loadSpan.cores} cores): ${loadSpan.start.toFixed(1)} when this module started, ${loadSpan.end.toFixed(1)} when it ended${AUTOGROUP ? "; Linux autogroup is on: the CPU is shared per session, so under load the threads of one process share its session's slice and 2 threads cannot beat 1 (ours or a peer's)" : ''}`,
      ];
      tables.push(t);
      process.stdout.write(format(t) + '\n');
    }
    process.stderr.write(`bench: ${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  // A selection writes its own file, so `npm run bench -- viewer` does not replace a full run's bench.json.
  const file = path.join(outDir, wanted.length ? `bench-${names.join('-')}.json` : 'bench.json');
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    schedAutogroup: AUTOGROUP,
  };
  const loadAverage = { start: loadAtRunStart, end: os.loadavg() };
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, loadAverage, tables }, null, 2));
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
