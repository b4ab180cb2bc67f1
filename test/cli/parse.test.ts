// The shared flag rules: numbers are checked when commander reads the flag, with one line naming flag, rule and text.
import { Command } from 'commander';
import { describeRule, intOption, numberListOption, numberOption, parseNumberFlag } from '../../src/cli/parse';

function parse(args: string[]) {
  const cmd = new Command()
    .exitOverride()
    .addOption(intOption('--batch <n>', 'batch size', { min: 1 }, 128))
    .addOption(numberOption('--sigma <s>', 'noise σ', { min: 0, exclusiveMin: true }))
    .addOption(intOption('--port <n>', 'port', { min: 0, max: 65535 }))
    .addOption(numberListOption('--levels <list>', 'levels', { min: 0 }));
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

describe('cli/parse', () => {
  it('turns valid flags into numbers and keeps numeric defaults', () => {
    expect(parse([])).toEqual({ batch: 128 });
    expect(parse(['--batch', '64', '--sigma', '2.5e1', '--port', '0', '--levels', '0, 0.5,1'])).toEqual({
      batch: 64,
      sigma: 25,
      port: 0,
      levels: [0, 0.5, 1],
    });
  });

  it.each([
    [['--batch', '0'], '--batch must be an integer ≥ 1, got "0"'],
    [['--batch', '1.5'], '--batch must be an integer ≥ 1, got "1.5"'],
    [['--batch', ''], '--batch must be an integer ≥ 1, got ""'],
    [['--sigma', '0'], '--sigma must be a positive number, got "0"'],
    [['--sigma', 'Infinity'], '--sigma must be a positive number, got "Infinity"'],
    [['--port', '70000'], '--port must be an integer in [0, 65535], got "70000"'],
    [['--levels', '0,x'], '--levels must be a comma-separated list, each a non-negative number, got "0,x"'],
  ])('%j fails with one line', (args, message) => {
    expect(() => parse(args)).toThrow(new Error(message));
  });

  it('describes rules in words', () => {
    expect(describeRule({ min: 0 })).toBe('a non-negative number');
    expect(describeRule({ integer: true, min: 2, max: 9 })).toBe('an integer in [2, 9]');
    expect(describeRule({ integer: true, max: 9 })).toBe('an integer ≤ 9');
    expect(parseNumberFlag('--x', ' 7 ')).toBe(7);
  });
});
