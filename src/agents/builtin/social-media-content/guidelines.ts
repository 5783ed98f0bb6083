// A brand's guidelines as the writing agents use them. Every field is optional; a workflow passes what it
// has under `brand_guidelines`.
import {
  inputObject,
  invalidInput,
  oneOf,
  optionalString,
  optionalStringList,
  type JsonObject,
} from '../input.js';

export type Tone = 'friendly' | 'professional' | 'playful' | 'bold';
export const TONES: readonly Tone[] = ['friendly', 'professional', 'playful', 'bold'];

export interface BrandGuidelines {
  brandName: string | undefined;
  tone: Tone;
  /** Words that must never appear (matched case-insensitively as whole words or phrases). */
  bannedWords: string[];
  /** The brand's own hashtags, with or without '#'. */
  hashtags: string[];
  /** The call to action the brand prefers, e.g. "Shop the collection at example.com". */
  callToAction: string | undefined;
}

export function readGuidelines(value: unknown): BrandGuidelines {
  let raw: JsonObject;
  try {
    raw = inputObject(value);
  } catch {
    throw invalidInput('brand_guidelines: expected an object');
  }
  return {
    brandName: optionalString(raw, 'brand_name'),
    tone: oneOf(raw, 'tone', TONES, 'friendly'),
    bannedWords: (optionalStringList(raw, 'banned_words') ?? []).map((word) => word.toLowerCase()),
    hashtags: (optionalStringList(raw, 'hashtags') ?? []).map(normaliseHashtag).filter((tag) => tag !== '#'),
    callToAction: optionalString(raw, 'call_to_action'),
  };
}

export function normaliseHashtag(tag: string): string {
  return `#${tag.replace(/^#+/, '').replace(/[^\p{L}\p{N}_]/gu, '')}`;
}

/** The banned words that occur in the text, each as often as it occurs. */
export function bannedWordHits(text: string, bannedWords: readonly string[]): string[] {
  const hits: string[] = [];
  for (const word of bannedWords) {
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'giu');
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) hits.push(word);
  }
  return hits;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
