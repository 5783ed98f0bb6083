// The feedback-analyst agent's model path against a local chat-completions server standing in for the
// provider; the offline path is covered by the unit tests and the Kafka round trip.
import { afterAll, describe, expect, it } from 'vitest';
import { createFeedbackAgent } from '../../src/agents/builtin/feedback-analyst/agent.js';
import { createLogger } from '../../src/observability/logger.js';
import { chatCompletion, handlerContext, invoke, localHttpServer } from '../unit/agents/builtin/support.js';

describe('feedback-analyst agent with a model', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.allSettled(closers.map((close) => close()));
  });

  it('asks the model for a reply in the tone of the sentiment and reports the tokens', async () => {
    const reply = 'Hi Ana, sorry the latte arrived cold. We are looking into it with the store. — Bean There';
    const server = await localHttpServer(() => ({ status: 200, body: chatCompletion(reply) }));
    closers.push(server.close);
    const agent = createFeedbackAgent({
      pool: undefined as never,
      config: { llmBaseUrl: `${server.url}/v1`, llmModel: 'reply-model', llmApiKey: 'sk-test' },
      logger: createLogger({ level: 'silent' }),
    });
    const ctx = handlerContext();
    const output = await invoke(
      agent,
      'generate_response',
      {
        feedback: 'My latte was cold and the delivery was two hours late. Awful.',
        customer_name: 'Ana',
        brand_guidelines: { brand_name: 'Bean There' },
      },
      ctx,
    );
    expect(output).toEqual({
      response: reply,
      tone: 'apologetic',
      sentiment: 'negative',
      category: 'delivery',
      generator: 'llm',
      model: 'local-test-model-0613',
    });
    expect(ctx.usage).toEqual([
      { promptTokens: 42, completionTokens: 17, totalTokens: 59, model: 'local-test-model-0613' },
    ]);
    const request = server.received[0]!;
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    const body = request.body as { model: string; messages: { role: string; content: string }[] };
    expect(body.model).toBe('reply-model');
    expect(body.messages[0]!.role).toBe('system');
    expect(body.messages[1]!.content).toContain('Sentiment: negative. Category: delivery. Tone: apologetic.');
    expect(body.messages[1]!.content).toContain('Customer name: Ana.');
    expect(body.messages[1]!.content).toContain('Sign as: Bean There.');
  });

  it('reports an unreachable model server as retriable', async () => {
    const server = await localHttpServer(() => ({ status: 200, body: {} }));
    await server.close();
    const agent = createFeedbackAgent({
      pool: undefined as never,
      config: { llmBaseUrl: server.url },
      logger: createLogger({ level: 'silent' }),
    });
    await expect(invoke(agent, 'generate_response', { feedback: 'Great coffee!' })).rejects.toMatchObject({
      code: 'LLM_UNAVAILABLE',
      retriable: true,
    });
  });
});
