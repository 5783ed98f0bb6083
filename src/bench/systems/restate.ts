// Restate: not wired yet; the bench reports it as skipped.
import { SystemUnavailable, type BenchSystem } from '../system.js';

export const restateSystem: BenchSystem = {
  name: 'restate',
  durability: 'not measured',
  open: () => Promise.reject(new SystemUnavailable('the Restate driver is not written yet')),
};
