// `percolator demo` as a function on the real services: the seed's content-creation workflow runs to
// completion with an engine and the seed agents in this process, and a second run in the same
// environment (the workflow already registered) completes too.
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { runContentCreationDemo } from '../../src/demo/content-creation.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/observability/logger.js';
import { testServices, uniquePrefix } from '../support/services.js';

describe('percolator demo', () => {
  const services = testServices();
  const prefix = uniquePrefix('demo');
  const config = {
    ...loadConfig({
      KAFKA_BROKERS: services.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      REDIS_URL: services.redisUrl,
      DATABASE_URL: services.databaseUrl,
    }),
    topicPrefix: prefix,
  };

  afterAll(async () => {
    const admin = createKafka({ brokers: services.kafkaBrokers, clientId: 'demo-test' }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('runs the seed workflow to completion, printing each step, and again on a re-run', async () => {
    for (const run of [1, 2]) {
      let printed = '';
      const result = await runContentCreationDemo({
        config,
        write: (text) => (printed += text),
        logger: createLogger({ level: 'silent' }),
        timeoutMs: 120_000,
      });
      expect(result.status).toBe('completed');
      expect(result.workflowName).toBe('AI-Powered Content Creation');
      expect(result.steps.validate_input).toBe('succeeded');
      expect(result.steps.generate_content).toBe('succeeded');
      expect(result.steps.quality_gate).toBe('succeeded');
      // Which branch runs depends on the draft's score; either way the optional step settles.
      expect(['succeeded', 'skipped']).toContain(result.steps.optimize_content);
      const output = result.output as { content_topic?: string; content?: string; quality_score?: number };
      expect(output.content_topic).toBe('New Product Launch');
      expect(typeof output.content).toBe('string');
      expect(typeof output.quality_score).toBe('number');
      expect(result.agents.find((agent) => agent.type === 'social-media-content')?.source).not.toBe(
        'missing',
      );

      expect(printed).toMatch(/services\s+Kafka/);
      // The workflow's name is the seed's, shared by every run against this database: the first run here
      // may find it registered already, the second always does.
      expect(printed).toMatch(
        run === 1
          ? /version \d+ \((registered|unchanged since an earlier run)\)/
          : /unchanged since an earlier run/,
      );
      expect(printed).toMatch(/validate_input\s+succeeded/);
      expect(printed).toMatch(/generate_content\s+started\s+social-media-content\.create_content, attempt 1/);
      expect(printed).toMatch(/execution\s+completed in/);
      expect(printed).toContain('"content_topic": "New Product Launch"');
    }
    // Two whole demos, each starting an engine and four agents that join their consumer groups: on a busy
    // 2-core machine the group joins alone can take half a minute per run.
  }, 300_000);
});
