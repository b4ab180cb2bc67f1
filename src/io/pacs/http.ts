// HTTP for PACS clients (browser-safe: global fetch only): a timeout per attempt, retries with exponential back-off
// and jitter on network errors, timeouts, 429 and 5xx; the body is read inside the attempt so a connection that
// drops mid-transfer is retried too. Other 4xx answers are final.

export interface HttpOptions {
  /** Milliseconds per attempt, body included (default 60 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First back-off in milliseconds; doubles each retry, ± jitter, at most 30 s (default 500). */
  backoffMs?: number;
  /** Sent on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Called before each retry with what went wrong and the wait. */
  onRetry?: (info: RetryInfo) => void;
  /** Cancels the request and any waiting. */
  signal?: AbortSignal;
}

export interface RetryInfo {
  url: string;
  attempt: number;
  waitMs: number;
  reason: string;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: Uint8Array | Blob | string;
  /** HTTP statuses that are answers, not errors (e.g. 404 for "not there"); 2xx always are. */
  accept?: readonly number[];
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/** An HTTP failure with the status (0: no answer) and whether retrying could help. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const MAX_BACKOFF_MS = 30_000;

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The URL without credentials or query, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}

function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After in milliseconds (delta-seconds form only), capped. */
function retryAfterMs(headers: Headers): number | undefined {
  const v = headers.get('retry-after');
  if (!v || !/^\d+$/.test(v.trim())) return undefined;
  return Math.min(MAX_BACKOFF_MS, Number(v) * 1000);
}

/**
 * One HTTP request with retries. Resolves for 2xx and the statuses in `request.accept`; throws HttpError otherwise.
 * @example const { bytes } = await httpRequest('https://pacs/dicom-web/studies', { headers: { Accept: 'application/dicom+json' } });
 */
export async function httpRequest(
  url: string,
  request: HttpRequest = {},
  opts: HttpOptions = {},
): Promise<HttpResponse> {
  const retries = opts.retries ?? 4;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const backoffMs = opts.backoffMs ?? 500;
  const where = `${request.method ?? 'GET'} ${describeUrl(url)}`;
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    let failure: HttpError;
    let hintMs: number | undefined;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, {
        method: request.method ?? 'GET',
        headers: { ...opts.headers, ...request.headers },
        body: request.body as BodyInit | undefined,
        signal,
        redirect: 'follow',
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (res.ok || request.accept?.includes(res.status)) return { status: res.status, headers: res.headers, bytes };
      const text = new TextDecoder().decode(bytes.subarray(0, 300)).replace(/\s+/g, ' ').trim();
      failure = new HttpError(
        `${where}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${text ? ` (${text})` : ''}`,
        res.status,
        isRetryableStatus(res.status),
      );
      hintMs = retryAfterMs(res.headers);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = timeout.aborted
        ? `no complete answer within ${timeoutMs} ms`
        : `${e.cause?.code ?? e.cause?.message ?? e.message}`;
      failure = new HttpError(`${where}: ${why}`, 0, true);
    }
    if (!failure.retryable || attempt >= retries) {
      if (attempt > 0) failure.message += ` (after ${attempt + 1} attempts)`;
      throw failure;
    }
    const base = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** attempt);
    const waitMs = hintMs ?? Math.round(base * (0.5 + Math.random() / 2));
    opts.onRetry?.({ url: describeUrl(url), attempt: attempt + 1, waitMs, reason: failure.message });
    await waitFor(waitMs, opts.signal);
  }
}
