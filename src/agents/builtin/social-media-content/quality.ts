// The quality score of a post, 0–100, from five checks that need no model and give the same answer every
// time (docs/agents.md has the table):
//   length        25  inside the platform's ideal range; less towards the hard limit; 0 over it
//   hashtags      15  count inside the platform's range; 5 off for each one too many
//   readability   25  Flesch reading ease ≥ 60 scores 25, ≤ 20 scores 0, linear between
//   brand safety  20  10 off for each banned word
//   call to action 15 the brand's call to action, or a common one ("learn more", "shop now", ...)
import { bannedWordHits, type BrandGuidelines } from './guidelines.js';
import { PLATFORMS, charCount, type Platform } from './platforms.js';
import { readability } from './readability.js';

export interface QualityCheck {
  score: number;
  max: number;
  detail: string;
}

export interface QualityBreakdown {
  length: QualityCheck & { characters: number; limit: number };
  hashtags: QualityCheck & { count: number };
  readability: QualityCheck & { reading_ease: number | null };
  brand_safety: QualityCheck & { banned_words: string[] };
  call_to_action: QualityCheck & { found: string | null };
}

export interface QualityReport {
  quality_score: number;
  quality_breakdown: QualityBreakdown;
}

export const QUALITY_WEIGHTS = {
  length: 25,
  hashtags: 15,
  readability: 25,
  brand_safety: 20,
  call_to_action: 15,
} as const;

export const READING_EASE_GOOD = 60;
export const READING_EASE_POOR = 20;

const HASHTAG = /#[\p{L}\p{N}_]+/gu;

/** Phrases that ask the reader to do something; matched case-insensitively as whole words. */
export const COMMON_CALLS_TO_ACTION = [
  'learn more',
  'shop now',
  'shop the',
  'sign up',
  'register',
  'join us',
  'try it',
  'discover',
  'visit',
  'book now',
  'order now',
  'get yours',
  'get started',
  'download',
  'subscribe',
  'follow us',
  'link in bio',
  'read more',
  'find out',
  'tell us',
  'share your',
  'comment below',
  'see how',
];

export function hashtagsOf(text: string): string[] {
  return text.match(HASHTAG) ?? [];
}

export function findCallToAction(text: string, preferred?: string): string | null {
  const lower = text.toLowerCase();
  if (preferred && lower.includes(preferred.toLowerCase())) return preferred;
  for (const phrase of COMMON_CALLS_TO_ACTION) {
    if (new RegExp(`(?<![\\p{L}])${phrase}(?![\\p{L}])`, 'iu').test(text)) return phrase;
  }
  return null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function lengthCheck(text: string, platform: Platform): QualityBreakdown['length'] {
  const rules = PLATFORMS[platform];
  const characters = charCount(text);
  const max = QUALITY_WEIGHTS.length;
  const base = { max, characters, limit: rules.maxChars };
  if (characters === 0) return { ...base, score: 0, detail: 'empty' };
  if (characters > rules.maxChars) {
    return {
      ...base,
      score: 0,
      detail: `${characters} characters, over the ${platform} limit of ${rules.maxChars}`,
    };
  }
  const { min, max: idealMax } = rules.idealChars;
  if (characters < min) {
    return {
      ...base,
      score: round1(10 + 15 * (characters / min)),
      detail: `${characters} characters, shorter than the ideal ${min}–${idealMax}`,
    };
  }
  if (characters > idealMax) {
    return {
      ...base,
      score: round1(max - 15 * ((characters - idealMax) / (rules.maxChars - idealMax))),
      detail: `${characters} characters, longer than the ideal ${min}–${idealMax}`,
    };
  }
  return { ...base, score: max, detail: `${characters} characters, within the ideal ${min}–${idealMax}` };
}

function hashtagCheck(text: string, platform: Platform): QualityBreakdown['hashtags'] {
  const range = PLATFORMS[platform].hashtags;
  const count = hashtagsOf(text).length;
  const max = QUALITY_WEIGHTS.hashtags;
  const wanted = `${range.min}–${range.max}`;
  if (count < range.min) {
    return {
      max,
      count,
      score: round1(max * (count / range.min)),
      detail: `${count} hashtags, fewer than ${wanted}`,
    };
  }
  if (count > range.max) {
    return {
      max,
      count,
      score: Math.max(0, max - 5 * (count - range.max)),
      detail: `${count} hashtags, more than ${wanted}`,
    };
  }
  return { max, count, score: max, detail: `${count} hashtags, within ${wanted}` };
}

function readabilityCheck(text: string): QualityBreakdown['readability'] {
  const ease = readability(text).readingEase;
  const max = QUALITY_WEIGHTS.readability;
  if (ease === null) return { max, reading_ease: null, score: 0, detail: 'no words to read' };
  const share = (ease - READING_EASE_POOR) / (READING_EASE_GOOD - READING_EASE_POOR);
  const score = round1(max * Math.min(1, Math.max(0, share)));
  const verdict =
    ease >= READING_EASE_GOOD ? 'plain English' : ease > READING_EASE_POOR ? 'fairly hard' : 'hard';
  return { max, reading_ease: ease, score, detail: `Flesch reading ease ${ease} (${verdict})` };
}

function brandSafetyCheck(text: string, guidelines: BrandGuidelines): QualityBreakdown['brand_safety'] {
  const hits = bannedWordHits(text, guidelines.bannedWords);
  const max = QUALITY_WEIGHTS.brand_safety;
  return {
    max,
    banned_words: [...new Set(hits)],
    score: Math.max(0, max - 10 * hits.length),
    detail: hits.length === 0 ? 'no banned words' : `banned words: ${[...new Set(hits)].join(', ')}`,
  };
}

function callToActionCheck(text: string, guidelines: BrandGuidelines): QualityBreakdown['call_to_action'] {
  const found = findCallToAction(text, guidelines.callToAction);
  const max = QUALITY_WEIGHTS.call_to_action;
  return found
    ? { max, found, score: max, detail: `asks the reader to act ("${found}")` }
    : { max, found: null, score: 0, detail: 'no call to action' };
}

export function scoreContent(text: string, platform: Platform, guidelines: BrandGuidelines): QualityReport {
  const breakdown: QualityBreakdown = {
    length: lengthCheck(text, platform),
    hashtags: hashtagCheck(text, platform),
    readability: readabilityCheck(text),
    brand_safety: brandSafetyCheck(text, guidelines),
    call_to_action: callToActionCheck(text, guidelines),
  };
  const total = Object.values(breakdown).reduce((sum, check: QualityCheck) => sum + check.score, 0);
  return { quality_score: Math.round(Math.min(100, Math.max(0, total))), quality_breakdown: breakdown };
}
