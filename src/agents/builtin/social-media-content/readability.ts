// Flesch reading ease of a post's prose. Hashtags, mentions, links and emoji are left out: they are not
// words a reader parses, and counting their syllables would punish a post for being a social post.
import { flesch } from 'flesch';
import { syllable } from 'syllable';

export interface ReadabilityStats {
  sentences: number;
  words: number;
  syllables: number;
  /** 206.835 − 1.015·(words/sentences) − 84.6·(syllables/words); higher is easier. Null without words. */
  readingEase: number | null;
}

const NOT_PROSE = /(?:https?:\/\/\S+|[#@][\p{L}\p{N}_]+)/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

export function proseOf(text: string): string {
  return text.replace(NOT_PROSE, ' ');
}

export function readability(text: string): ReadabilityStats {
  const prose = proseOf(text);
  const words = prose.match(WORD) ?? [];
  if (words.length === 0) return { sentences: 0, words: 0, syllables: 0, readingEase: null };
  const sentences = Math.max(1, prose.split(/[.!?…]+|\n{2,}/).filter((part) => HAS_WORD.test(part)).length);
  const syllables = words.reduce((sum, word) => sum + Math.max(1, syllable(word)), 0);
  return {
    sentences,
    words: words.length,
    syllables,
    readingEase:
      Math.round(flesch({ sentence: sentences, word: words.length, syllable: syllables }) * 10) / 10,
  };
}
