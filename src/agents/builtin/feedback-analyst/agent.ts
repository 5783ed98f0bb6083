// The feedback-analyst agent: sentiment and key phrases of customer feedback, its category in a fixed
// taxonomy, and a reply in a tone that fits (from a model when LLM_BASE_URL is set, from templates otherwise).
import { chatForCommand, createLlmProvider, type LlmProvider } from '../../llm/index.js';
import { defineAgent, type AgentDefinition, type HandlerContext } from '../../sdk/define-agent.js';
import type { BuiltinAgentDeps } from '../deps.js';
import {
  inputObject,
  invalidInput,
  isObject,
  oneOf,
  optionalObject,
  optionalString,
  type JsonObject,
} from '../input.js';
import { keyPhrases } from './key-phrases.js';
import { templateResponse, TONE_BY_SENTIMENT } from './responses.js';
import { analyzeSentiment, labelOf, type SentimentLabel } from './sentiment.js';
import { categorize, CATEGORIES, type Category } from './taxonomy.js';
import { FEEDBACK_SCHEMAS } from './schemas.js';

export const FEEDBACK_AGENT_TYPE = 'feedback-analyst';
const VERSION = '1.0.0';
const MAX_ITEMS = 1000;

interface FeedbackItem {
  id: string | null;
  text: string;
}

/** `feedback` (one text) or `feedback_items` (texts, or objects with `text` and optional `id`). */
function itemsOf(input: JsonObject): FeedbackItem[] {
  const single = optionalString(input, 'feedback') ?? optionalString(input, 'text');
  const list = input.feedback_items ?? input.reviews;
  const items: FeedbackItem[] = single ? [{ id: null, text: single }] : [];
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) throw invalidInput('feedback_items: expected a list');
    list.forEach((entry, index) => {
      if (typeof entry === 'string' && entry.trim() !== '') items.push({ id: null, text: entry.trim() });
      else if (isObject(entry) && typeof entry.text === 'string' && entry.text.trim() !== '') {
        items.push({
          id: entry.id === undefined || entry.id === null ? null : String(entry.id),
          text: entry.text.trim(),
        });
      } else throw invalidInput(`feedback_items[${index}]: expected a non-empty string or {id, text}`);
    });
  }
  if (items.length === 0)
    throw invalidInput('feedback: required, a non-empty string (or feedback_items, a list)');
  if (items.length > MAX_ITEMS) throw invalidInput(`feedback_items: at most ${MAX_ITEMS} per command`);
  return items;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

export function createFeedbackAgent(deps: BuiltinAgentDeps): AgentDefinition {
  let made: LlmProvider | null | undefined;
  const llm = (): LlmProvider | null =>
    deps.llm !== undefined ? deps.llm : made === undefined ? (made = createLlmProvider(deps.config)) : made;

  function analyze(raw: unknown) {
    const items = itemsOf(inputObject(raw));
    const analysed = items.map((item) => {
      const sentiment = analyzeSentiment(item.text);
      return { id: item.id, ...sentiment, key_phrases: keyPhrases(item.text, 5).map(({ phrase }) => phrase) };
    });
    const comparative = analysed.reduce((sum, item) => sum + item.comparative, 0) / analysed.length;
    const counts = { positive: 0, neutral: 0, negative: 0 };
    for (const item of analysed) counts[item.label]++;
    const label = labelOf(comparative);
    return {
      // `sentiment` is what generate_response and analyze_content call it; `label` stays for older workflows.
      sentiment: label,
      label,
      score: round(analysed.reduce((sum, item) => sum + item.score, 0) / analysed.length, 2),
      comparative: round(comparative, 3),
      counts,
      key_phrases: keyPhrases(items.map((item) => item.text).join('.\n'), 10),
      items: analysed,
    };
  }

  function categorizeAll(raw: unknown) {
    const items = itemsOf(inputObject(raw));
    const results = items.map((item) => ({ id: item.id, ...categorize(item.text) }));
    const distribution = Object.fromEntries(CATEGORIES.map((category) => [category, 0])) as Record<
      Category,
      number
    >;
    for (const result of results) distribution[result.category]++;
    const first = results[0]!;
    return {
      // One text: its category. Several: the most common one (ties go to the taxonomy's order).
      category:
        results.length === 1
          ? first.category
          : CATEGORIES.reduce((best, category) =>
              distribution[category] > distribution[best] ? category : best,
            ),
      confidence:
        results.length === 1
          ? first.confidence
          : round(Math.max(...Object.values(distribution)) / results.length, 2),
      categories: first.categories,
      distribution,
      ...(results.length > 1 ? { items: results } : {}),
    };
  }

  async function respond(raw: unknown, ctx: HandlerContext) {
    const input = inputObject(raw);
    const text = optionalString(input, 'feedback') ?? optionalString(input, 'text');
    const givenSentiment = optionalString(input, 'sentiment') ?? optionalString(input, 'label');
    const givenCategory = optionalString(input, 'category');
    if (!text && (!givenSentiment || !givenCategory)) {
      throw invalidInput('feedback: required (or both sentiment and category)');
    }
    const sentiment: SentimentLabel = givenSentiment
      ? oneOf(
          { sentiment: givenSentiment },
          'sentiment',
          ['positive', 'neutral', 'negative'] as const,
          'neutral',
        )
      : analyzeSentiment(text!).label;
    const category: Category = givenCategory
      ? oneOf({ category: givenCategory }, 'category', CATEGORIES, 'other')
      : categorize(text!).category;
    const guidelines = optionalObject(input, 'brand_guidelines');
    const brandName =
      optionalString(input, 'brand_name') ??
      (guidelines && typeof guidelines.brand_name === 'string' ? guidelines.brand_name : undefined);
    const customerName = optionalString(input, 'customer_name');
    const tone = TONE_BY_SENTIMENT[sentiment];
    const provider = llm();
    if (provider && text) {
      const reply = await chatForCommand(provider, ctx, {
        messages: [
          {
            role: 'system',
            content:
              'You answer customer feedback on behalf of a company. Be brief (at most 80 words), specific to what ' +
              'the customer said, and never promise refunds or compensation. Answer with the reply text only.',
          },
          {
            role: 'user',
            content: [
              `Feedback: ${text}`,
              `Sentiment: ${sentiment}. Category: ${category}. Tone: ${tone}.`,
              ...(customerName ? [`Customer name: ${customerName}.`] : []),
              ...(brandName ? [`Sign as: ${brandName}.`] : []),
            ].join('\n'),
          },
        ],
        maxTokens: 300,
        temperature: 0.3,
      });
      return { response: reply.text.trim(), tone, sentiment, category, generator: 'llm', model: reply.model };
    }
    const { response } = templateResponse({
      sentiment,
      category,
      ...(customerName ? { customerName } : {}),
      ...(brandName ? { brandName } : {}),
    });
    return { response, tone, sentiment, category, generator: 'template' };
  }

  return defineAgent({
    type: FEEDBACK_AGENT_TYPE,
    version: VERSION,
    description: 'Analyses customer feedback: sentiment, key phrases, category, and a suggested reply.',
    concurrency: 16,
    actions: {
      analyze_feedback: {
        inputJsonSchema: FEEDBACK_SCHEMAS.analyze_feedback.input,
        outputJsonSchema: FEEDBACK_SCHEMAS.analyze_feedback.output,
        description: 'Sentiment (AFINN) and key phrases (RAKE). Input: feedback or feedback_items.',
        handler: analyze,
      },
      categorize_feedback: {
        inputJsonSchema: FEEDBACK_SCHEMAS.categorize_feedback.input,
        outputJsonSchema: FEEDBACK_SCHEMAS.categorize_feedback.output,
        description: 'Category in product, service, price, delivery, staff, other, with a confidence.',
        handler: categorizeAll,
      },
      generate_response: {
        inputJsonSchema: FEEDBACK_SCHEMAS.generate_response.input,
        outputJsonSchema: FEEDBACK_SCHEMAS.generate_response.output,
        description: 'A reply whose tone follows the sentiment. Input: feedback, customer_name, brand_name.',
        handler: respond,
      },
    },
  });
}
