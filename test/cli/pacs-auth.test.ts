// PACS credentials come from files or the environment only, in the forms an Orthanc credentials file or a secret
// mount holds; every mistake is one clear line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { authorizationHeader, parseCredentials } from '../../src/cli/pacs-auth';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacs-auth-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function secret(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('PACS credentials', () => {
  it('reads user:password and JSON credentials (the password may hold colons)', () => {
    expect(parseCredentials('orthanc:pa:ss\n', 'f')).toEqual({ user: 'orthanc', password: 'pa:ss' });
    expect(parseCredentials('{"username": "u", "password": "p"}', 'f')).toEqual({ user: 'u', password: 'p' });
    expect(parseCredentials('{"user": "u", "password": ""}', 'f')).toEqual({ user: 'u', password: '' });
    expect(() => parseCredentials('no-colon', 'F')).toThrow(/F: expected "user:password"/);
    expect(() => parseCredentials('{"username": 1}', 'F')).toThrow(/F: JSON credentials need/);
  });

  it('turns a file or an environment variable into one Authorization header; none gives none', () => {
    expect(authorizationHeader({ credentialsFile: secret('c', 'a:b') }, {})).toBe(basic('a', 'b'));
    expect(authorizationHeader({ tokenFile: secret('t', 'tok-123\n') }, {})).toBe('Bearer tok-123');
    expect(authorizationHeader({}, { SODIUM_DENOISE_TOKEN: 'env-tok' })).toBe('Bearer env-tok');
    expect(authorizationHeader({}, { SODIUM_DENOISE_CREDENTIALS: 'x:y' })).toBe(basic('x', 'y'));
    expect(authorizationHeader({ credentialsEnv: 'MY_PACS' }, { MY_PACS: 'm:n' })).toBe(basic('m', 'n'));
    expect(authorizationHeader({}, {})).toBeUndefined();
  });

  it('refuses two kinds at once, a missing file or variable, and a token with white space', () => {
    expect(() =>
      authorizationHeader({ tokenFile: secret('t2', 'tok') }, { SODIUM_DENOISE_CREDENTIALS: 'a:b' }),
    ).toThrow(/both a bearer token .* and basic credentials/);
    expect(() => authorizationHeader({ tokenFile: path.join(dir, 'nope') }, {})).toThrow(
      /token file .*nope does not exist/,
    );
    expect(() => authorizationHeader({ tokenEnv: 'UNSET_VAR' }, {})).toThrow(/UNSET_VAR is not set/);
    expect(() => authorizationHeader({ tokenFile: secret('t3', 'two words') }, {})).toThrow(/contains white space/);
  });
});
