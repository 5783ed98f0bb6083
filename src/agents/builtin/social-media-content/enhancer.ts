// The offline editor behind enhance_content: it works through the quality checks that lost points and fixes
// what can be fixed without changing what the post says — banned words out, long words made plain, long
// sentences split, a call to action added, the hashtag count brought into range, the length fitted. The
// result is scored again and kept only if it scores higher.
import { escapeRegExp, type BrandGuidelines, type Tone } from './guidelines.js';
import { PLATFORMS, charCount, type Platform } from './platforms.js';
import { parsePost, renderPost, topicHashtag, uniqueTags, wordHashtags, type PostParts } from './post.js';
import { findCallToAction, scoreContent, READING_EASE_GOOD, type QualityReport } from './quality.js';
import { readability } from './readability.js';

export interface EnhanceRequest {
  content: string;
  platform: Platform;
  guidelines: BrandGuidelines;
  topic?: string;
}

export interface EnhanceResult extends QualityReport {
  content: string;
  previous_score: number;
  changes: string[];
}

/** Plain-English replacements for words that make posts harder to read. */
export const PLAIN_WORDS: Readonly<Record<string, string>> = {
  approximately: 'about',
  additional: 'more',
  assistance: 'help',
  commence: 'start',
  comprehensive: 'complete',
  demonstrate: 'show',
  endeavour: 'try',
  exceptional: 'great',
  facilitate: 'help',
  functionality: 'features',
  individuals: 'people',
  initiative: 'plan',
  innovative: 'new',
  numerous: 'many',
  opportunity: 'chance',
  purchase: 'buy',
  revolutionary: 'new',
  subsequently: 'then',
  sufficient: 'enough',
  terminate: 'end',
  utilise: 'use',
  utilize: 'use',
  commitment: 'promise',
  announces: 'shares',
  conversations: 'talks',
};

const DEFAULT_CALL_TO_ACTION: Readonly<Record<Platform, string>> = {
  twitter: 'Learn more today.',
  facebook: 'Learn more on our page.',
  instagram: 'Learn more via the link in bio.',
  linkedin: 'Learn more and share your thoughts below.',
};

const SHORT_LINES: Readonly<Record<Tone, string[]>> = {
  friendly: ['Come take a look.', 'We hope you like it.'],
  professional: ['It is ready now.', 'We are glad to share it.'],
  playful: ['Go on, have a look.', 'You know you want to.'],
  bold: ['It is here.', 'Do not miss it.'],
};

const LONG_SENTENCE_WORDS = 18;

function matchCase(original: string, replacement: string): string {
  return original[0] === original[0]?.toUpperCase()
    ? replacement[0]!.toUpperCase() + replacement.slice(1)
    : replacement;
}

function replaceWord(text: string, word: string, replacement: string): string {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}#])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'giu');
  return text
    .replace(pattern, (found) => (replacement === '' ? '' : matchCase(found, replacement)))
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([.,!?])/g, '$1')
    .trim();
}

function splitLongSentence(sentence: string): string[] {
  const words = sentence.split(/\s+/);
  if (words.length <= LONG_SENTENCE_WORDS) return [sentence];
  const cut = /,\s+(?:and|but|so)\s+|\s+(?:and|but|so)\s+|,\s+/i.exec(sentence);
  if (!cut || cut.index < 10) return [sentence];
  const first = sentence.slice(0, cut.index).trim();
  const rest = sentence.slice(cut.index + cut[0].length).trim();
  return [`${first}.`, rest[0]!.toUpperCase() + rest.slice(1)];
}

const render = (parts: PostParts, platform: Platform) => renderPost(parts, platform);

export function enhanceContent(request: EnhanceRequest): EnhanceResult {
  const { content, platform, guidelines, topic } = request;
  const rules = PLATFORMS[platform];
  const before = scoreContent(content, platform, guidelines);
  const parts = parsePost(content);
  const changes: string[] = [];

  // Brand safety: banned words go, with a plain stand-in where the plain-words table has one.
  for (const word of before.quality_breakdown.brand_safety.banned_words) {
    parts.sentences = parts.sentences.map((sentence) => replaceWord(sentence, word, PLAIN_WORDS[word] ?? ''));
    parts.hashtags = parts.hashtags.filter((tag) => !tag.toLowerCase().includes(word.replace(/\s+/g, '')));
    changes.push(`removed banned word "${word}"`);
  }

  // Readability: plain words, then shorter sentences.
  if ((before.quality_breakdown.readability.reading_ease ?? 0) < READING_EASE_GOOD) {
    for (const [word, plain] of Object.entries(PLAIN_WORDS)) {
      if (guidelines.bannedWords.includes(plain)) continue;
      const replaced = parts.sentences.map((sentence) => replaceWord(sentence, word, plain));
      if (replaced.join(' ') !== parts.sentences.join(' ')) {
        parts.sentences = replaced;
        changes.push(`"${word}" → "${plain}"`);
      }
    }
    const split = parts.sentences.flatMap(splitLongSentence);
    if (split.length > parts.sentences.length) changes.push('split long sentences');
    parts.sentences = split;
  }

  // Call to action.
  if (!findCallToAction(parts.sentences.join(' '), guidelines.callToAction)) {
    parts.callToAction = guidelines.callToAction ?? DEFAULT_CALL_TO_ACTION[platform];
    changes.push(`added a call to action ("${parts.callToAction}")`);
  }

  // Readability once more: short plain lines lower the words per sentence and syllables per word.
  for (const line of SHORT_LINES[guidelines.tone]) {
    const ease = readability(render(parts, platform)).readingEase ?? 0;
    if (ease >= READING_EASE_GOOD) break;
    const withLine = { ...parts, sentences: [...parts.sentences, line] };
    if (charCount(render(withLine, platform)) > rules.idealChars.max) break;
    parts.sentences = withLine.sentences;
    changes.push(`added the short line "${line}"`);
  }

  // Hashtags: into the platform's range, the brand's own first.
  const inline = parts.sentences.join(' ').match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0;
  const wanted = rules.hashtags;
  if (inline + parts.hashtags.length < wanted.min) {
    const source = topic ?? parts.sentences[0] ?? '';
    const candidates = uniqueTags([
      ...parts.hashtags,
      ...guidelines.hashtags,
      ...(topicHashtag(source) && topic ? [topicHashtag(source)!] : []),
      ...wordHashtags(source),
    ]).filter(
      (tag) => !guidelines.bannedWords.some((word) => tag.toLowerCase().includes(word.replace(/\s+/g, ''))),
    );
    const added = candidates.slice(0, Math.max(0, wanted.min - inline));
    if (added.length > parts.hashtags.length)
      changes.push(`hashtags ${parts.hashtags.length} → ${added.length}`);
    parts.hashtags = added;
  } else if (inline + parts.hashtags.length > wanted.max) {
    const keep = Math.max(0, wanted.max - inline);
    changes.push(`hashtags ${parts.hashtags.length} → ${keep}`);
    parts.hashtags = parts.hashtags.slice(0, keep);
  }

  // Length: drop the least important sentences (those after the opening), then shorten the opening.
  while (charCount(render(parts, platform)) > rules.idealChars.max && parts.sentences.length > 1) {
    const removed = parts.sentences.splice(parts.sentences.length - 1, 1);
    changes.push(`dropped "${removed[0]}" for length`);
  }
  while (charCount(render(parts, platform)) > rules.maxChars && parts.sentences[0]) {
    const words = parts.sentences[0].replace(/…$/, '').split(/\s+/);
    if (words.length <= 3) break;
    parts.sentences[0] = `${words.slice(0, -1).join(' ')}…`;
    if (!changes.includes('shortened the opening')) changes.push('shortened the opening');
  }
  for (const line of SHORT_LINES[guidelines.tone]) {
    if (charCount(render(parts, platform)) >= rules.idealChars.min) break;
    if (parts.sentences.includes(line)) continue;
    parts.sentences.push(line);
    changes.push(`added the short line "${line}" for length`);
  }

  const text = render(parts, platform);
  const after = scoreContent(text, platform, guidelines);
  if (after.quality_score <= before.quality_score) {
    return { content, previous_score: before.quality_score, changes: [], ...before };
  }
  return { content: text, previous_score: before.quality_score, changes, ...after };
}
