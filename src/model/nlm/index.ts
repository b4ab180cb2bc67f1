// Non-local means as DIPY's nlmeans: the CPU version (worker pools) and, for the viewer's GPU, the tfjs version.
// The Node worker pool lives in ./node-pool (import it directly) so browser bundles never see node:worker_threads.
export { nlmeans, type NlmOptions } from './nlm-cpu';
export {
  NLM_DEFAULTS,
  checkNlmSigma,
  resolveNlmParams,
  resolveNlmSigma,
  type NlmParams,
  type ResolvedNlmParams,
} from './params';
export { createInlineNlmPool, type NlmRunControl, type NlmWorkerPool } from './pool';
export { createNlmSlabJob, runNlmSlab, type NlmEngine, type NlmSlabJob, type NlmSlabTask } from './kernel';
export { createNlmSimdSlabJob, nlmSimdAvailable } from './kernel-simd';
export { createNlmJob, nlmKernelFor, nlmKernelLabel } from './job';
export {
  createMessageNlmPool,
  handleNlmRequest,
  type NlmWorkerEndpoint,
  type NlmWorkerReply,
  type NlmWorkerRequest,
} from './worker-protocol';
export { nlmeansTf, type NlmTfOptions, type NlmTfResult } from './nlm-tf';
