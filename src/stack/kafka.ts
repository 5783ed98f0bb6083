// The single-node KRaft Kafka: jars from Maven, generated configuration, storage formatted once.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostPort, type StackEndpoints } from './endpoints.js';
import { StackError } from './errors.js';
import type { JavaService } from './java-service.js';
import { findJava } from './java.js';
import {
  kafkaBrokerArgs,
  kafkaFormatArgs,
  kafkaLog4jProperties,
  kafkaServerProperties,
  newClusterId,
  type KafkaCommand,
} from './kafka-config.js';
import { withLogTail } from './log-tail.js';
import { ensureFetched } from './maven.js';
import type { StackPaths } from './paths.js';
import { probeKafka } from './probes.js';
import { processMarker, runToLog } from './processes.js';

const FORMAT_TIMEOUT_MS = 60_000;

export function kafkaService(paths: StackPaths, endpoints: StackEndpoints): JavaService {
  const { kafka } = paths;
  const command: KafkaCommand = {
    libDir: kafka.lib,
    serverProperties: kafka.serverProperties,
    log4jProperties: kafka.log4jProperties,
    marker: processMarker('kafka', paths.dir),
  };
  return {
    name: 'kafka',
    label: 'Kafka',
    address: endpoints.kafka,
    ports: [
      { address: endpoints.kafka, role: 'Kafka broker' },
      { address: endpoints.kafkaController, role: 'Kafka controller' },
    ],
    pidFile: kafka.pid,
    logFile: kafka.log,
    marker: command.marker,
    startTimeoutMs: 90_000,
    // A clean KRaft shutdown takes a few seconds; killing it earlier costs a log recovery at next start.
    stopGraceMs: 30_000,
    probe: () => probeKafka(endpoints.kafka),
    prepare: async () => {
      const java = await findJava(17, 'Kafka 3.9');
      await ensureFetched({
        service: 'kafka',
        pom: kafka.pom,
        goal: 'copy-dependencies',
        target: kafka.lib,
        complete: (dir) => readdirSync(dir).some((file) => file.startsWith('kafka_2.13-')),
        log: paths.mavenLog,
      });
      mkdirSync(kafka.data, { recursive: true });
      // Rewritten on every start so a change of address in the configuration takes effect.
      writeFileSync(
        kafka.serverProperties,
        kafkaServerProperties({
          broker: endpoints.kafka,
          controller: endpoints.kafkaController,
          logDir: kafka.data,
        }),
      );
      writeFileSync(kafka.log4jProperties, kafkaLog4jProperties());
      // Formatting writes meta.properties; an existing one means topics from earlier runs are there to keep.
      if (!existsSync(join(kafka.data, 'meta.properties'))) {
        await formatStorage(java.command, command, kafka.log, endpoints);
      }
      return { command: java.command, args: kafkaBrokerArgs(command), cwd: kafka.home, logFile: kafka.log };
    },
  };
}

async function formatStorage(java: string, command: KafkaCommand, log: string, endpoints: StackEndpoints) {
  const outcome = await runToLog(java, kafkaFormatArgs(command, newClusterId()), log, FORMAT_TIMEOUT_MS);
  if (outcome.kind !== 'exited' || outcome.code !== 0) {
    const how = outcome.kind === 'exited' ? `exit ${outcome.code}` : outcome.kind;
    throw new StackError(
      withLogTail(
        `kafka: formatting the storage for ${formatHostPort(endpoints.kafka)} failed (${how})`,
        log,
      ),
    );
  }
}
