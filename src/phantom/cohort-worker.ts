// Worker-thread entry for writeCohort: generates and writes the subjects it is sent, one message per subject.
import { parentPort } from 'node:worker_threads';
import type { CohortSubjectEntry } from '../io/cohort';
import { generateAndWriteSubject, type SubjectWriteOptions } from './cohort-subject';
import type { PhantomParams } from './types';

export interface CohortWorkerRequest {
  outDir: string;
  params: PhantomParams;
  options: SubjectWriteOptions;
  index: number;
}

export interface CohortWorkerReply {
  index: number;
  entry?: CohortSubjectEntry;
  error?: string;
}

parentPort?.on('message', (request: CohortWorkerRequest) => {
  generateAndWriteSubject(request.outDir, request.params, request.index, request.options).then(
    (entry) => parentPort!.postMessage({ index: request.index, entry } satisfies CohortWorkerReply),
    (err: unknown) =>
      parentPort!.postMessage({
        index: request.index,
        error: err instanceof Error ? err.message : String(err),
      } satisfies CohortWorkerReply),
  );
});
