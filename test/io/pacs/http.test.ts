// Retries and timeouts of the PACS HTTP layer against a real local server that fails on purpose: 503 then success,
// a dropped connection, a hang past the timeout, and a 404 that must not be retried. ~1 s.
import * as http from 'node:http';
import { httpRequest, HttpError, type RetryInfo } from '../../../src/io/pacs/http';

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, attempt: number) => void;
let server: http.Server;
let base: string;
const routes = new Map<string, { behaviour: Behaviour; attempts: number }>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) return void res.writeHead(500).end('no route');
    route.attempts++;
    route.behaviour(req, res, route.attempts);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

function route(path: string, behaviour: Behaviour) {
  const entry = { behaviour, attempts: 0 };
  routes.set(path, entry);
  return entry;
}

const fast = { backoffMs: 5, retries: 3 };

describe('httpRequest', () => {
  it('retries 503 with back-off and returns the body of the first success', async () => {
    const r = route('/flaky', (_req, res, n) => (n < 3 ? res.writeHead(503).end('busy') : res.end('ok')));
    const retries: RetryInfo[] = [];
    const res = await httpRequest(`${base}/flaky`, {}, { ...fast, onRetry: (i) => retries.push(i) });
    expect(new TextDecoder().decode(res.bytes)).toBe('ok');
    expect(r.attempts).toBe(3);
    expect(retries.map((i) => i.attempt)).toEqual([1, 2]);
    expect(retries[0].reason).toMatch(/HTTP 503/);
  });

  it('retries a connection dropped before the answer', async () => {
    const r = route('/drop', (req, res, n) => (n === 1 ? req.socket.destroy() : res.end('back')));
    const res = await httpRequest(`${base}/drop`, {}, fast);
    expect(new TextDecoder().decode(res.bytes)).toBe('back');
    expect(r.attempts).toBe(2);
  });

  it('gives up after the timeout on every attempt, saying so', async () => {
    const r = route('/hang', () => undefined);
    await expect(httpRequest(`${base}/hang`, {}, { ...fast, retries: 1, timeoutMs: 100 })).rejects.toThrow(
      /no complete answer within 100 ms \(after 2 attempts\)/,
    );
    expect(r.attempts).toBe(2);
  });

  it('does not retry a 404 unless asked to accept it', async () => {
    const r = route('/missing', (_req, res) => res.writeHead(404).end('not here'));
    const err = await httpRequest(`${base}/missing`, {}, fast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 404, retryable: false });
    expect(r.attempts).toBe(1);
    const res = await httpRequest(`${base}/missing`, { accept: [404] }, fast);
    expect(res.status).toBe(404);
  });

  it('sends the configured headers (e.g. Authorization) on every attempt', async () => {
    const seen: string[] = [];
    route('/auth', (req, res, n) => {
      seen.push(String(req.headers.authorization));
      return n === 1 ? res.writeHead(502).end() : res.end('ok');
    });
    await httpRequest(`${base}/auth`, {}, { ...fast, headers: { Authorization: 'Bearer t0k' } });
    expect(seen).toEqual(['Bearer t0k', 'Bearer t0k']);
  });
});
