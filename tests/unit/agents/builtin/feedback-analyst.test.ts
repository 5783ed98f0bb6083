import { describe, expect, it } from 'vitest';
import { createFeedbackAgent } from '../../../../src/agents/builtin/feedback-analyst/agent.js';
import { keyPhrases } from '../../../../src/agents/builtin/feedback-analyst/key-phrases.js';
import { templateResponse } from '../../../../src/agents/builtin/feedback-analyst/responses.js';
import { analyzeSentiment, labelOf } from '../../../../src/agents/builtin/feedback-analyst/sentiment.js';
import { categorize } from '../../../../src/agents/builtin/feedback-analyst/taxonomy.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { invoke } from './support.js';

const RUDE = 'The barista was rude and my coffee arrived cold. Terrible service.';
const HAPPY = 'Lovely staff, great espresso and a friendly welcome. Highly recommend!';
const FLAT = 'I ordered a medium latte on Tuesday.';

describe('sentiment (AFINN-165)', () => {
  it('scores fixed texts with the lexicon and labels them by comparative score', () => {
    // rude −2, terrible −3 over 11 tokens
    expect(analyzeSentiment(RUDE)).toMatchObject({
      score: -5,
      comparative: -0.455,
      label: 'negative',
      negative_words: ['terrible', 'rude'],
    });
    // lovely +3, great +3, friendly +2, welcome +2, recommend +2 over 10 tokens
    expect(analyzeSentiment(HAPPY)).toMatchObject({ score: 12, comparative: 1.2, label: 'positive' });
    expect(analyzeSentiment(FLAT)).toMatchObject({ score: 0, label: 'neutral' });
    expect(analyzeSentiment('The coffee was not good.').label).toBe('negative'); // negation flips "good"
  });

  it('treats a mild word in a long text as neutral', () => {
    expect(labelOf(0.049)).toBe('neutral');
    expect(labelOf(0.05)).toBe('positive');
    expect(labelOf(-0.05)).toBe('negative');
  });
});

describe('key phrases (RAKE)', () => {
  it('ranks multi-word phrases by the sum of degree/frequency of their words', () => {
    const phrases = keyPhrases(
      'The delivery driver was late. The delivery driver left the parcel in the rain.',
      3,
    );
    // candidates: [delivery driver] [late] [delivery driver left] [parcel] [rain]
    // delivery: freq 2, degree 2+3 = 5 → 2.5; driver 2.5; left: 3/1 = 3
    expect(phrases).toEqual([
      { phrase: 'delivery driver left', score: 8 },
      { phrase: 'delivery driver', score: 5 },
      { phrase: 'late', score: 1 },
    ]);
  });
});

describe('taxonomy', () => {
  it('puts texts in their category with a confidence of top/(total+1)', () => {
    const delivery = categorize('My parcel never arrived and the tracking link is broken.');
    // delivery: parcel 1, arrived 1, never arrived 2, tracking 1 = 5; product: broken 1 → 5/(6+1)
    expect(delivery).toMatchObject({ category: 'delivery', confidence: 0.71 });
    expect(delivery.categories.map((entry) => entry.category)).toEqual(['delivery', 'product']);
    expect(categorize('Far too expensive for what you get.')).toMatchObject({
      category: 'price',
      confidence: 0.5,
    });
    expect(categorize('The cashier was rude and unprofessional.')).toMatchObject({
      category: 'staff',
      confidence: 0.75,
    });
    expect(categorize('Nice weather today.')).toEqual({ category: 'other', confidence: 0, categories: [] });
  });

  it('breaks a tie by the taxonomy order', () => {
    // product: coffee, cold = 2; staff: barista, rude = 2; delivery: arrived = 1; service: service = 1
    expect(categorize(RUDE)).toMatchObject({ category: 'product', confidence: 0.29 });
  });

  it('matches word endings for starred rules and whole words only', () => {
    expect(categorize('It was delivered two days late').categories[0]!.matched).toEqual(['deliver*', 'late']);
    expect(categorize('the apple pie').category).toBe('other'); // "app" must not match inside "apple"
  });
});

describe('reply templates', () => {
  it('apologises for negative feedback and thanks for positive', () => {
    const negative = templateResponse({
      sentiment: 'negative',
      category: 'delivery',
      customerName: 'Ana',
      brandName: 'Bean There',
    });
    expect(negative.tone).toBe('apologetic');
    expect(negative.response).toMatch(/^Hi Ana, we are sorry about your experience/);
    expect(negative.response).toContain('delivery partner');
    expect(negative.response).toMatch(/— Bean There$/);
    const positive = templateResponse({ sentiment: 'positive', category: 'staff' });
    expect(positive).toMatchObject({ tone: 'appreciative' });
    expect(positive.response).toMatch(
      /^Hello, thank you for the kind words! We are glad our team made your visit a good one/,
    );
  });
});

describe('feedback-analyst actions', () => {
  const agent = createFeedbackAgent({
    pool: undefined as never, // this agent does not use Postgres
    config: {},
    logger: createLogger({ level: 'silent' }),
    llm: null,
  });

  it('analyze_feedback summarises several texts', async () => {
    const output = await invoke(agent, 'analyze_feedback', {
      feedback_items: [RUDE, { id: 'r2', text: HAPPY }, FLAT],
    });
    expect(output).toMatchObject({ counts: { positive: 1, neutral: 1, negative: 1 }, label: 'positive' });
    const items = output.items as { id: string | null; label: string; key_phrases: string[] }[];
    expect(items.map((item) => [item.id, item.label])).toEqual([
      [null, 'negative'],
      ['r2', 'positive'],
      [null, 'neutral'],
    ]);
    expect(items[0]!.key_phrases).toContain('terrible service');
  });

  it('categorize_feedback gives the most common category of several texts', async () => {
    const output = await invoke(agent, 'categorize_feedback', {
      feedback_items: ['Shipping took two weeks.', 'The courier lost my parcel.', 'Too expensive.'],
    });
    expect(output).toMatchObject({ category: 'delivery', confidence: 0.67 });
    expect(output.distribution).toEqual({
      product: 0,
      service: 0,
      price: 1,
      delivery: 2,
      staff: 0,
      other: 0,
    });
  });

  it('generate_response picks the tone from the sentiment it finds', async () => {
    const output = await invoke(agent, 'generate_response', {
      feedback: 'The barista was rude to me. Terrible service.',
      customer_name: 'Sam',
    });
    expect(output).toMatchObject({
      tone: 'apologetic',
      sentiment: 'negative',
      category: 'staff',
      generator: 'template',
    });
    expect(output.response).toMatch(/^Hi Sam, we are sorry/);
  });

  it('rejects a missing text', async () => {
    await expect(invoke(agent, 'analyze_feedback', {})).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      retriable: false,
    });
  });
});
