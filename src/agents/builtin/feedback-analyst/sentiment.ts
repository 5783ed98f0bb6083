// Sentiment of a text with the AFINN-165 lexicon (the `sentiment` package): each known word carries a
// valence from −5 to +5, negations ("not good") flip it, and the comparative score is the sum divided by
// the number of tokens. The label comes from the comparative score, so long texts are not louder.
import Sentiment from 'sentiment';

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface SentimentResult {
  /** Sum of the valences of the words found. */
  score: number;
  /** score / tokens, rounded to 3 decimals. */
  comparative: number;
  label: SentimentLabel;
  positive_words: string[];
  negative_words: string[];
}

/** |comparative| below this reads as neutral: one mild word in a long text does not make it positive. */
export const NEUTRAL_BAND = 0.05;

const analyzer = new Sentiment();

export function labelOf(comparative: number): SentimentLabel {
  if (comparative >= NEUTRAL_BAND) return 'positive';
  if (comparative <= -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}

export function analyzeSentiment(text: string): SentimentResult {
  const result = analyzer.analyze(text);
  const comparative = Math.round(result.comparative * 1000) / 1000;
  return {
    score: result.score,
    comparative,
    label: labelOf(result.comparative),
    positive_words: [...new Set(result.positive)],
    negative_words: [...new Set(result.negative)],
  };
}
