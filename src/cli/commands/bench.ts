// `percolator bench`: Percolator against the physical limit (raw Kafka + Redis) and peer engines, on
// the running local stack. See docs/performance.md for what is measured and how to read it.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { SYSTEMS, WORKLOADS, type SystemName, type WorkloadName } from '../../bench/report.js';

interface BenchCommandOptions {
  workload: WorkloadName[];
  systems: SystemName[];
  duration: number;
  json?: string;
  concurrency?: number[];
  rate: number;
}

function workloads(value: string): WorkloadName[] {
  if (value === 'all') return [...WORKLOADS];
  if (!(WORKLOADS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected ${WORKLOADS.join(', ')} or all`);
  return [value as WorkloadName];
}

function systems(value: string): SystemName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(SYSTEMS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0)
    throw new InvalidArgumentError(`expected a comma-separated list of ${SYSTEMS.join(', ')}`);
  return names as SystemName[];
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a positive number');
  return number;
}

function levels(value: string): number[] {
  const numbers = value.split(',').map(Number);
  if (numbers.some((number) => !Number.isInteger(number) || number <= 0))
    throw new InvalidArgumentError('expected a comma-separated list of positive integers');
  return numbers;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'Measure throughput, latency and cost per workflow of Percolator, the raw Kafka + Redis limit and ' +
        'peer engines (BullMQ, Restate) on the running local stack, one system at a time',
    )
    .option('--workload <name>', `W1 (a chain of three), W2 (fan-out of ten and a join) or all`, workloads, [
      ...WORKLOADS,
    ])
    .option('--systems <list>', `comma-separated, from ${SYSTEMS.join(', ')}`, systems, [...SYSTEMS])
    .option(
      '--duration <seconds>',
      'seconds of saturation per system and workload, and of the fixed loads',
      positive,
      20,
    )
    .option('--json <file>', 'also write the report as JSON to this file')
    .option('--concurrency <list>', 'in-flight levels of the saturation runs (default 50,200,1000)', levels)
    .option('--rate <per-second>', 'the arrival rate every system is measured at', positive, 100)
    .action(async (options: BenchCommandOptions) => {
      const { BenchError, runBench } = await import('../../bench/run-bench.js');
      try {
        const report = await runBench({
          config: loadConfig(),
          workloads: options.workload,
          systems: options.systems,
          durationSeconds: options.duration,
          commonRatePerSecond: options.rate,
          ...(options.concurrency ? { concurrencyLevels: options.concurrency } : {}),
          write: (line) => console.log(line),
        });
        for (const skipped of report.skipped) console.log(`skipped ${skipped.system}: ${skipped.reason}`);
        if (options.json) {
          await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
          console.log(`report written to ${options.json}`);
        }
      } catch (error) {
        if (!(error instanceof BenchError)) throw error;
        console.error(`percolator bench: ${error.message}`);
        process.exitCode = 1;
      }
    });
}
