// Number flags for every command line here (the `sodium-denoise` subcommands and `npm start`): each flag states its
// rule once, commander's argParser checks it when the flag is read, and a bad value fails with one line naming the
// flag, the rule and the text given — before any work starts.
import { Option } from 'commander';

/** What a number flag accepts. Bounds are inclusive unless `exclusiveMin`. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** The value must be strictly greater than `min` (e.g. σ > 0). */
  exclusiveMin?: boolean;
}

/** Thrown for a bad flag value. A plain Error (not commander's InvalidArgumentError) so it reaches the CLI's one-line
 * error handler instead of commander's message + help. */
export class FlagValueError extends Error {}

/** The rule in words, e.g. "an integer ≥ 1", "a positive number", "an integer in [0, 65535]". */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const { min, max, exclusiveMin } = rule;
  if (min !== undefined && max !== undefined && !exclusiveMin) return `${kind} in [${min}, ${max}]`;
  if (!rule.integer && min === 0 && max === undefined)
    return exclusiveMin ? 'a positive number' : 'a non-negative number';
  const parts: string[] = [];
  if (min !== undefined) parts.push(`${exclusiveMin ? '>' : '≥'} ${min}`);
  if (max !== undefined) parts.push(`≤ ${max}`);
  return [kind, ...parts].join(' ');
}

/**
 * Parses `text` as a number obeying `rule`.
 * @param flag - the flag as the user typed it (e.g. "--batch"), for the error message
 * @returns the number
 * @throws FlagValueError `--batch must be an integer ≥ 1, got "x"`
 */
export function parseNumberFlag(flag: string, text: string, rule: NumberRule = {}): number {
  const v = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(v) &&
    (!rule.integer || Number.isInteger(v)) &&
    (rule.min === undefined || (rule.exclusiveMin ? v > rule.min : v >= rule.min)) &&
    (rule.max === undefined || v <= rule.max);
  if (!ok) throw new FlagValueError(`${flag} must be ${describeRule(rule)}, got "${text}"`);
  return v;
}

/** A comma-separated list of numbers, each obeying `rule` (e.g. "0,0.5,1"). */
export function parseNumberListFlag(flag: string, text: string, rule: NumberRule = {}): number[] {
  return text.split(',').map((t) => {
    try {
      return parseNumberFlag(flag, t.trim(), rule);
    } catch {
      throw new FlagValueError(`${flag} must be a comma-separated list, each ${describeRule(rule)}, got "${text}"`);
    }
  });
}

/** The long flag name of commander's flags text: "-p, --port <n>" → "--port". */
function longFlag(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flags;
}

/**
 * A commander option whose value is a number checked against `rule`; `defaultValue` (a number) is shown in --help.
 * @example program.addOption(numberOption('--batch <n>', 'batch size', { integer: true, min: 1 }, 128))
 */
export function numberOption(flags: string, description: string, rule: NumberRule, defaultValue?: number): Option {
  const flag = longFlag(flags);
  const option = new Option(flags, description).argParser((text: string) => parseNumberFlag(flag, text, rule));
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** An integer option: `numberOption` with `integer: true`. */
export function intOption(
  flags: string,
  description: string,
  rule: Omit<NumberRule, 'integer'>,
  defaultValue?: number,
): Option {
  return numberOption(flags, description, { ...rule, integer: true }, defaultValue);
}

/** A comma-separated number list option (e.g. --sweep-noise 0,0.5,1). */
export function numberListOption(flags: string, description: string, rule: NumberRule): Option {
  const flag = longFlag(flags);
  return new Option(flags, description).argParser((text: string) => parseNumberListFlag(flag, text, rule));
}

/** A text value that must not look like the next flag (`--host --pacs` is a missing value, not a host name). */
export function textOption(flags: string, description: string): Option {
  const flag = longFlag(flags);
  return new Option(flags, description).argParser((text: string) => {
    if (text.startsWith('--')) throw new FlagValueError(`${flag} needs a value`);
    return text;
  });
}

/** One of a fixed set of words; anything else fails with one line listing them. */
export function choiceOption<T extends string>(
  flags: string,
  description: string,
  choices: readonly T[],
  defaultValue?: T,
): Option {
  const flag = longFlag(flags);
  const option = new Option(flags, description).argParser((text: string): T => {
    if (!(choices as readonly string[]).includes(text))
      throw new FlagValueError(`${flag} must be ${orList(choices)}, got "${text}"`);
    return text as T;
  });
  return defaultValue === undefined ? option : option.default(defaultValue);
}

function orList(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}
