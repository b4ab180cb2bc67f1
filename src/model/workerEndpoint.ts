// One shape for "a worker we send requests to": the DA and NLM pools talk to Node worker_threads and browser Web
// Workers through it, so each pool's split, messages and merge never know which transport carries them.

/** A worker as a pool sees it: post a request (with buffers to transfer), hear replies and its death, end it. */
export interface WorkerEndpoint<Request, Reply> {
  post(request: Request, transfer: ArrayBuffer[]): void;
  /** Registers the reply handler and the handler for the worker dying (failed start, crash). */
  listen(onReply: (reply: Reply) => void, onFailure: (error: Error) => void): void;
  terminate(): void | Promise<unknown>;
}
