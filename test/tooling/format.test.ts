// The formatter and linter keep the style, so reviews are about substance: both must pass on the whole repository.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs a package's own CLI script (resolved from its package.json: eslint's exports hide bin/). */
function run(pkg: string, script: string, args: string[]): { status: number | null; output: string } {
  const bin = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), script);
  const res = spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}`.trim() };
}

describe('repository style', () => {
  it('prettier --check . passes', () => {
    const { status, output } = run('prettier', 'bin/prettier.cjs', ['--check', '.', '--log-level', 'warn']);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('eslint passes with no problems', () => {
    const { status, output } = run('eslint', 'bin/eslint.js', ['.', '--max-warnings', '0']);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
