import { describe, expect, it } from 'vitest';
import { chunkTopicMessages } from '../../../src/kafka/send-batches.js';

const message = (bytes: number) => ({ key: 'k', value: Buffer.alloc(bytes) });

describe('chunkTopicMessages', () => {
  it('keeps a small batch in one request', () => {
    const requests = chunkTopicMessages([{ topic: 'a', messages: [message(10), message(10)] }], 1000);
    expect(requests).toEqual([[{ topic: 'a', messages: [message(10), message(10)] }]]);
  });

  it('splits by size across topics, keeping the order of records', () => {
    const requests = chunkTopicMessages(
      [
        { topic: 'a', messages: [message(400), message(400)] }, // 464 bytes each with key and overhead
        { topic: 'b', messages: [message(400)] },
      ],
      1000,
    );
    expect(
      requests.map((request) => request.map(({ topic, messages }) => `${topic}:${messages.length}`)),
    ).toEqual([['a:2'], ['b:1']]);
  });

  it('sends a record larger than the limit on its own rather than dropping it', () => {
    const requests = chunkTopicMessages(
      [{ topic: 'a', messages: [message(10), message(5000), message(10)] }],
      1000,
    );
    expect(requests.map((request) => request[0]!.messages.length)).toEqual([1, 1, 1]);
  });
});
