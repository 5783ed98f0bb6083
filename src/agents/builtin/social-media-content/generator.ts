// The offline writer: a first draft from templates chosen by the brand's tone and a stable hash of brand,
// topic and platform, so the same request always yields the same post. The draft carries the brand's call
// to action and hashtags when the guidelines give them, and swaps banned words out of the template text;
// it does not rewrite the topic itself, and it adds no call to action of its own (enhance_content does).
import { bannedWordHits, type BrandGuidelines, type Tone } from './guidelines.js';
import { PLATFORMS, type Platform } from './platforms.js';
import { renderPost, stableHash, topicHashtag, uniqueTags, type PostParts } from './post.js';

interface Template {
  opening: string[];
  /** Extra sentences for platforms that reward longer posts, used in order. */
  more: string[];
}

// {topic} is the topic as given; {brand} the brand's name, or "our team" without one.
const TEMPLATES: Readonly<Record<Tone, Template[]>> = {
  friendly: [
    {
      opening: [
        'Big news: {topic} is here!',
        'We have been working on this for a while and we think you will love it.',
      ],
      more: [
        'It was shaped by the ideas you sent us.',
        'Thank you for being part of the journey with {brand}.',
      ],
    },
    {
      opening: ['Say hello to {topic}.', 'It is made to make your day a bit easier.'],
      more: ['Small details, big difference.', 'Everyone at {brand} is proud of this one.'],
    },
  ],
  professional: [
    {
      opening: ['Introducing {topic}.', 'It reflects our commitment to quality and to the people we serve.'],
      more: [
        'The work behind it drew on months of research and customer conversations.',
        'We look forward to the results it will bring for our partners.',
      ],
    },
    {
      opening: ['Today {brand} announces {topic}.', 'Here is what it means for our customers and partners.'],
      more: ['It builds on everything we have learned so far.', 'Expect more updates in the coming weeks.'],
    },
  ],
  playful: [
    {
      opening: ['Guess what? {topic} just dropped!', 'We may have done a little happy dance.'],
      more: ['Okay, a big happy dance.', 'Grab a coffee and take a look.'],
    },
    {
      opening: ['Plot twist: {topic} is real and it is here.', 'Yes, we are excited. Very excited.'],
      more: ['The team has not stopped smiling.', 'This one is for you.'],
    },
  ],
  bold: [
    {
      opening: ['{topic}. It changes the game.', 'No shortcuts. No compromises.'],
      more: ['We built it to lead, not to follow.', 'This is {brand} at full speed.'],
    },
    {
      opening: ['Meet {topic}.', 'Built to raise the bar.'],
      more: ['Others will follow. We will keep moving.', 'The standard just changed.'],
    },
  ],
};

// Plain stand-ins for template words a brand may ban; a banned word without one is left out.
const SAFE_WORDS: Readonly<Record<string, string>> = {
  'big news': 'news',
  game: 'field',
  love: 'enjoy',
  excited: 'glad',
  'happy dance': 'cheer',
  compromises: 'half measures',
};

/** How many of a template's extra sentences each platform gets. */
const EXTRA_SENTENCES: Readonly<Record<Platform, number>> = {
  twitter: 0,
  facebook: 0,
  instagram: 1,
  linkedin: 2,
};

export interface DraftRequest {
  brandId: string;
  topic: string;
  platform: Platform;
  guidelines: BrandGuidelines;
}

export function fill(sentence: string, topic: string, guidelines: BrandGuidelines): string {
  return sentence.replaceAll('{topic}', topic).replaceAll('{brand}', guidelines.brandName ?? 'our team');
}

/** Replaces or drops banned words in template text (never in the topic, which is the caller's). */
export function avoidBanned(sentence: string, guidelines: BrandGuidelines): string {
  let result = sentence;
  for (const word of guidelines.bannedWords) {
    if (bannedWordHits(result, [word]).length === 0) continue;
    const pattern = new RegExp(
      `(?<![\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`,
      'giu',
    );
    result = result
      .replace(pattern, SAFE_WORDS[word] ?? '')
      .replace(/\s{2,}/g, ' ')
      .replace(/\s+([.,!?])/g, '$1');
  }
  return result.trim();
}

export function draftParts(request: DraftRequest): PostParts {
  const { brandId, topic, platform, guidelines } = request;
  const choices = TEMPLATES[guidelines.tone];
  const template = choices[stableHash(`${brandId}|${topic.toLowerCase()}|${platform}`) % choices.length]!;
  const sentences = [...template.opening, ...template.more.slice(0, EXTRA_SENTENCES[platform])].map(
    (sentence) => avoidBanned(fill(sentence, topic, guidelines), guidelines),
  );
  const rules = PLATFORMS[platform];
  const tags = uniqueTags([
    ...guidelines.hashtags,
    ...(topicHashtag(topic) ? [topicHashtag(topic)!] : []),
  ]).slice(0, Math.max(rules.hashtags.max, 0));
  return { sentences, callToAction: guidelines.callToAction, hashtags: tags };
}

/** The first draft as text. */
export function draftPost(request: DraftRequest): string {
  return renderPost(draftParts(request), request.platform);
}
