// Credentials for a PACS, never from a command-line value (visible in `ps` and shell history): a bearer token or
// basic credentials read from a file or an environment variable, turned into one Authorization header.
import * as fs from 'node:fs';
import { log } from './output';

/** Environment variables read when no file is named. */
export const TOKEN_ENV = 'SODIUM_DENOISE_TOKEN';
export const CREDENTIALS_ENV = 'SODIUM_DENOISE_CREDENTIALS';

export interface AuthOptions {
  tokenFile?: string;
  credentialsFile?: string;
  /** Names of environment variables to read instead of the defaults. */
  tokenEnv?: string;
  credentialsEnv?: string;
}

/**
 * Basic credentials from text: "user:password" (one line), or JSON {"username"|"user": …, "password": …}.
 * @example parseCredentials('orthanc:s3cret') // { user: 'orthanc', password: 's3cret' }
 */
export function parseCredentials(text: string, where: string): { user: string; password: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new Error(`${where}: not valid JSON`);
    }
    const user = json.username ?? json.user ?? json.login;
    const password = json.password;
    if (typeof user !== 'string' || !user || typeof password !== 'string')
      throw new Error(`${where}: JSON credentials need "username" (or "user") and "password" strings`);
    return { user, password };
  }
  const line = trimmed.split(/\r?\n/)[0] ?? '';
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Error(`${where}: expected "user:password" or JSON {"username", "password"}`);
  return { user: line.slice(0, colon), password: line.slice(colon + 1) };
}

function readSecretFile(file: string, what: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${what} ${file} does not exist`);
  }
  if (!stat.isFile()) throw new Error(`${what} ${file} is not a file`);
  if (stat.size > 64 * 1024) throw new Error(`${what} ${file} is larger than 64 KiB; it should hold one secret`);
  // Like ssh: a secret others can read is worth a warning (it still works: the file may be on a read-only secret mount).
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)
    log(`warning: ${what} ${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  return fs.readFileSync(file, 'utf8');
}

/** The Authorization header for the options (files first, then environment), or undefined for none. */
export function authorizationHeader(opts: AuthOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const tokenEnv = opts.tokenEnv ?? TOKEN_ENV;
  const credentialsEnv = opts.credentialsEnv ?? CREDENTIALS_ENV;
  if (opts.tokenEnv && env[opts.tokenEnv] === undefined)
    throw new Error(`environment variable ${opts.tokenEnv} is not set`);
  if (opts.credentialsEnv && env[opts.credentialsEnv] === undefined)
    throw new Error(`environment variable ${opts.credentialsEnv} is not set`);
  const token = opts.tokenFile ? readSecretFile(opts.tokenFile, 'token file').trim() : env[tokenEnv]?.trim();
  const basicText = opts.credentialsFile
    ? readSecretFile(opts.credentialsFile, 'credentials file')
    : env[credentialsEnv];
  const tokenFrom = opts.tokenFile ? `--token-file ${opts.tokenFile}` : tokenEnv;
  const basicFrom = opts.credentialsFile ? `--credentials-file ${opts.credentialsFile}` : credentialsEnv;
  if (token && basicText?.trim())
    throw new Error(`both a bearer token (${tokenFrom}) and basic credentials (${basicFrom}) are given; use one`);
  if (token !== undefined && token !== '') {
    if (/\s/.test(token)) throw new Error(`the bearer token from ${tokenFrom} contains white space`);
    return `Bearer ${token}`;
  }
  if (basicText !== undefined && basicText.trim() !== '') {
    const { user, password } = parseCredentials(basicText, basicFrom);
    return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  return undefined;
}
