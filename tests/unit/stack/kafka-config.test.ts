import { describe, expect, it } from 'vitest';
import {
  kafkaBrokerArgs,
  kafkaFormatArgs,
  kafkaLog4jProperties,
  kafkaServerProperties,
  newClusterId,
} from '../../../src/stack/kafka-config.js';

function parse(properties: string): Map<string, string> {
  const entries = properties
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]);
  return new Map(entries);
}

const layout = {
  broker: { host: '127.0.0.1', port: 9092 },
  controller: { host: '127.0.0.1', port: 9093 },
  logDir: '/repo/.stack/kafka/data',
};

describe('kafkaServerProperties', () => {
  const props = parse(kafkaServerProperties(layout));

  it('makes one KRaft node that is broker and controller on the configured ports', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:9093');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(props.get('controller.listener.names')).toBe('CONTROLLER');
    expect(props.get('log.dirs')).toBe('/repo/.stack/kafka/data');
  });

  it('never auto-creates topics and fits a single node', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(props.get('min.insync.replicas')).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('sets each key once', () => {
    const keys = kafkaServerProperties(layout)
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split('=')[0]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('brackets IPv6 listener hosts', () => {
    const v6 = parse(
      kafkaServerProperties({
        ...layout,
        broker: { host: '::1', port: 9092 },
        controller: { host: '::1', port: 9093 },
      }),
    );
    expect(v6.get('advertised.listeners')).toBe('PLAINTEXT://[::1]:9092');
  });
});

describe('kafkaLog4jProperties', () => {
  it('logs to the console (the log file) and quiets the configuration dumps', () => {
    const props = parse(kafkaLog4jProperties());
    expect(props.get('log4j.rootLogger')).toBe('INFO, stdout');
    expect(props.get('log4j.appender.stdout')).toBe('org.apache.log4j.ConsoleAppender');
    expect(props.get('log4j.logger.kafka.server.KafkaConfig')).toBe('WARN');
  });
});

describe('newClusterId', () => {
  it('is 22 URL-safe base64 characters, like kafka-storage random-uuid', () => {
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newClusterId(Buffer.alloc(16, 0xff))).toBe('_____________________w');
  });
});

describe('kafka command lines', () => {
  const command = {
    libDir: '/s/kafka/lib',
    serverProperties: '/s/kafka/server.properties',
    log4jProperties: '/s/kafka/log4j.properties',
    marker: '-Dpercolator.stack=kafka@/s',
  };

  it('runs kafka.Kafka with the bounded heap, the log4j file, the marker and the jar folder', () => {
    const args = kafkaBrokerArgs(command);
    expect(args).toEqual(expect.arrayContaining(['-Xmx512m', '-Xms256m', '-Dpercolator.stack=kafka@/s']));
    expect(args).toContain('-Dlog4j.configuration=file:/s/kafka/log4j.properties');
    expect(args.slice(args.indexOf('-cp'), args.indexOf('-cp') + 2)).toEqual(['-cp', '/s/kafka/lib/*']);
    expect(args.slice(-2)).toEqual(['kafka.Kafka', '/s/kafka/server.properties']);
  });

  it('formats storage with the given cluster id', () => {
    const args = kafkaFormatArgs(command, 'abc');
    expect(args.slice(args.indexOf('kafka.tools.StorageTool'))).toEqual([
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'abc',
      '-c',
      '/s/kafka/server.properties',
      '--ignore-formatted',
    ]);
  });
});
