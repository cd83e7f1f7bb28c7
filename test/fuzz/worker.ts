/*
 * worker.ts - one worker thread of scripts/fuzz: runs inputs [from, from + inputs) of one target
 * and seed, posting each finding as it happens and storing the index it is at in shared memory,
 * so the campaign can tell a hang (an index that does not move) and restart past it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runTarget } from './run.js';
import { fuzzTargets, type FuzzTarget } from './targets.js';

interface Job {
  readonly target: string;
  readonly seed: number;
  readonly from: number;
  readonly inputs: number;
  readonly withSeeds: boolean;
  readonly at: Int32Array;
}

const job = workerData as Job;
const target = fuzzTargets().find((t) => t.name === job.target);
if (!target) throw new Error(`no fuzz target ${job.target}`);
const watched: FuzzTarget = {
  ...target,
  run(input, index) {
    Atomics.store(job.at, 0, index);
    return target.run(input, index);
  },
};
await target.setup?.();
const stats = await runTarget(watched, { seed: job.seed, inputs: job.inputs, from: job.from, withSeeds: job.withSeeds, onFinding: (f) => parentPort?.postMessage({ finding: f }) });
await target.teardown?.();
parentPort?.postMessage({ done: { inputs: stats.inputs, ms: stats.ms } });
