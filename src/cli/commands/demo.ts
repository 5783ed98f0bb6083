import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { avroRoundTrip } from '../../demo/avro-round-trip.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the demo against the running stack: an Avro record through the schema registry and Kafka',
    )
    .action(async () => {
      const config = loadConfig();
      console.log('Percolator demo: an Avro-typed record through the schema registry and Kafka\n');
      await avroRoundTrip(config, (line) => console.log(`  ${line}`));
      console.log('\nround trip complete');
    });
}
