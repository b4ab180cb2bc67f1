// Web Worker entry for NLM: runs one box of the shared NLM kernel per message (bundled by webpack as its own chunk).
import { handleNlmRequest, type NlmWorkerRequest, type NlmWorkerReply } from '../model/nlm/worker-protocol';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<NlmWorkerRequest>) => void) | null;
  postMessage(message: NlmWorkerReply, transfer: Transferable[]): void;
};

scope.onmessage = (e) => handleNlmRequest(e.data, (reply, transfer) => scope.postMessage(reply, transfer ?? []));
