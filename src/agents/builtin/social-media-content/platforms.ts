// What each platform allows and what tends to work on it. `maxChars` is the hard limit the platform
// enforces; the ideal length and hashtag range are the house rules the quality score rewards.
import { invalidInput } from '../input.js';

export type Platform = 'twitter' | 'linkedin' | 'instagram' | 'facebook';

export interface PlatformRules {
  name: Platform;
  maxChars: number;
  idealChars: { min: number; max: number };
  hashtags: { min: number; max: number };
}

export const PLATFORMS: Readonly<Record<Platform, PlatformRules>> = {
  twitter: {
    name: 'twitter',
    maxChars: 280,
    idealChars: { min: 70, max: 240 },
    hashtags: { min: 1, max: 2 },
  },
  linkedin: {
    name: 'linkedin',
    maxChars: 3000,
    idealChars: { min: 150, max: 1300 },
    hashtags: { min: 1, max: 5 },
  },
  instagram: {
    name: 'instagram',
    maxChars: 2200,
    idealChars: { min: 100, max: 1000 },
    hashtags: { min: 3, max: 15 },
  },
  facebook: {
    name: 'facebook',
    maxChars: 63_206,
    idealChars: { min: 40, max: 400 },
    hashtags: { min: 0, max: 3 },
  },
};

const ALIASES: Readonly<Record<string, Platform>> = {
  x: 'twitter',
  'x.com': 'twitter',
  fb: 'facebook',
  ig: 'instagram',
};

export const DEFAULT_PLATFORM: Platform = 'twitter';

export function toPlatform(name: string): Platform {
  const key = name.trim().toLowerCase();
  const platform = ALIASES[key] ?? key;
  if (!(platform in PLATFORMS)) {
    throw invalidInput(
      `platform ${JSON.stringify(name)}: expected one of twitter (or x), linkedin, instagram, facebook`,
    );
  }
  return platform as Platform;
}

/** Characters as the platforms count them: code points, so an emoji is one. */
export function charCount(text: string): number {
  return [...text].length;
}
