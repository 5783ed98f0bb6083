// A post as the generator and the enhancer handle it: prose sentences, an optional call to action, and a
// closing block of hashtags. Any text (an LLM's, a person's) can be read back into this shape.
import type { Platform } from './platforms.js';

export interface PostParts {
  sentences: string[];
  callToAction: string | undefined;
  hashtags: string[];
}

const TRAILING_TAGS = /(?:\s*#[\p{L}\p{N}_]+)+\s*$/u;
const TAG = /#[\p{L}\p{N}_]+/gu;

export function renderPost(parts: PostParts, platform: Platform): string {
  const prose = [...parts.sentences, ...(parts.callToAction ? [parts.callToAction] : [])].join(' ').trim();
  if (parts.hashtags.length === 0) return prose;
  // Twitter keeps tags on the same line to save characters; elsewhere they get a paragraph of their own.
  return `${prose}${platform === 'twitter' ? ' ' : '\n\n'}${parts.hashtags.join(' ')}`;
}

/** Splits text into sentences and its closing hashtag block; hashtags inside sentences stay where they are. */
export function parsePost(text: string): PostParts {
  const trailing = TRAILING_TAGS.exec(text);
  const body = trailing ? text.slice(0, trailing.index) : text;
  const hashtags = trailing ? (trailing[0].match(TAG) ?? []) : [];
  const sentences = body
    .split(/(?<=[.!?…])\s+|\n+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '');
  return { sentences, callToAction: undefined, hashtags };
}

const SMALL_WORDS = new Set([
  'a',
  'an',
  'and',
  'the',
  'of',
  'for',
  'to',
  'in',
  'on',
  'at',
  'by',
  'with',
  'our',
  'your',
  'is',
  'are',
  'new',
]);

/** `New Product Launch` → `#NewProductLaunch`. */
export function topicHashtag(topic: string): string | undefined {
  const words = topic.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return undefined;
  return `#${words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')}`;
}

/** One hashtag per meaningful topic word, for posts that want more than the topic's own. */
export function wordHashtags(topic: string): string[] {
  const words = topic.match(/[\p{L}\p{N}]+/gu) ?? [];
  return words
    .filter((word) => word.length > 3 && !SMALL_WORDS.has(word.toLowerCase()))
    .map((word) => `#${word[0]!.toUpperCase()}${word.slice(1)}`);
}

/** FNV-1a: a small, stable hash, so the same brand and topic always get the same template. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function uniqueTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  return tags.filter((tag) => {
    const key = tag.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
