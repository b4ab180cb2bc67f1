// `sodium-denoise metrics`: not written yet (its issue owns it).
import type { Register } from './output';

export const registerMetrics: Register = (program) => {
  program.command('metrics').description('(not implemented yet)').action(() => {
    throw new Error('metrics is not implemented yet');
  });
};
