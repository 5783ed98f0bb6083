// What the feedback-analyst's actions take and return (docs/agents.md describes the fields).
import {
  anyObject,
  input,
  listOf,
  nullable,
  number,
  oneOfValues,
  output,
  string,
} from '../schema-builders.js';

const sentimentLabel = oneOfValues(['positive', 'neutral', 'negative']);
const feedbackInput = input({
  feedback: string,
  text: string,
  feedback_items: listOf({ anyOf: [string, input({ id: {}, text: string }, ['text'])] }),
  reviews: listOf({ anyOf: [string, input({ id: {}, text: string }, ['text'])] }),
});

export const FEEDBACK_SCHEMAS = {
  analyze_feedback: {
    input: feedbackInput,
    output: output(
      {
        sentiment: sentimentLabel,
        label: sentimentLabel,
        score: number,
        comparative: number,
        counts: anyObject,
        key_phrases: listOf(anyObject),
        items: listOf(anyObject),
      },
      ['sentiment', 'label', 'score', 'comparative', 'counts', 'key_phrases', 'items'],
    ),
  },
  categorize_feedback: {
    input: feedbackInput,
    output: output(
      {
        category: string,
        confidence: number,
        categories: listOf(anyObject),
        distribution: anyObject,
        items: listOf(anyObject),
      },
      ['category', 'confidence', 'categories', 'distribution'],
    ),
  },
  generate_response: {
    input: input({
      feedback: string,
      text: string,
      sentiment: string,
      label: string,
      category: string,
      customer_name: string,
      brand_name: string,
      brand_guidelines: anyObject,
    }),
    output: output(
      {
        response: string,
        tone: string,
        sentiment: sentimentLabel,
        category: string,
        generator: oneOfValues(['template', 'llm']),
        model: nullable(string),
      },
      ['response', 'tone', 'sentiment', 'category', 'generator'],
    ),
  },
} as const;
