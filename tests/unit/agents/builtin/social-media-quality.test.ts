import { describe, expect, it } from 'vitest';
import { readGuidelines } from '../../../../src/agents/builtin/social-media-content/guidelines.js';
import { hashtagsOf, scoreContent } from '../../../../src/agents/builtin/social-media-content/quality.js';
import { readability } from '../../../../src/agents/builtin/social-media-content/readability.js';

const plain = readGuidelines({});

describe('readability', () => {
  it('computes Flesch reading ease from sentence, word and syllable counts, ignoring tags and links', () => {
    // 2 sentences, 8 words, 8 syllables: 206.835 − 1.015·4 − 84.6·1 = 118.175
    const stats = readability('The cat sat. The dog ran and hid. #Pets https://example.com/a');
    expect(stats).toMatchObject({ sentences: 2, words: 8, syllables: 8 });
    expect(stats.readingEase).toBeCloseTo(118.2, 1);
    // 1 sentence, 4 words, 17 syllables (re-gen-er-a-tive 5, ag-ri-cul-ture 4, cer-ti-fi-ca-tion 5, part-ner-ship 3):
    // 206.835 − 1.015·4 − 84.6·4.25 = −156.775
    const hard = readability('Regenerative Agriculture Certification Partnership.');
    expect(hard).toMatchObject({ sentences: 1, words: 4, syllables: 17 });
    expect(hard.readingEase).toBe(-156.8);
    expect(readability('#OnlyTags').readingEase).toBeNull();
  });
});

describe('quality score', () => {
  it('gives full marks to a short, plain tweet with one hashtag and a call to action', () => {
    const text =
      'Our new cold brew is here. It is smooth, bold and made fresh each day. Learn more today. #ColdBrew';
    const report = scoreContent(text, 'twitter', plain);
    expect(report.quality_score).toBe(100);
    expect(report.quality_breakdown.call_to_action.found).toBe('learn more');
    expect(report.quality_breakdown.hashtags.count).toBe(1);
  });

  it('takes 15 points for a missing call to action', () => {
    const text = 'Our new cold brew is here. It is smooth, bold and made fresh each day. #ColdBrew';
    const report = scoreContent(text, 'twitter', plain);
    expect(report.quality_score).toBe(85);
    expect(report.quality_breakdown.call_to_action).toMatchObject({ score: 0, found: null });
  });

  it('scores length 0 over the platform limit and scales it between the ideal range and the limit', () => {
    const sentence = 'We make good coffee. ';
    const over = `${sentence.repeat(14)}Learn more. #Coffee`; // 294 + characters
    const report = scoreContent(over, 'twitter', plain);
    expect(report.quality_breakdown.length.score).toBe(0);
    expect(report.quality_breakdown.length.detail).toMatch(/over the twitter limit of 280/);
    // 260 characters: 25 − 15·(260 − 240)/(280 − 240) = 17.5
    const text = 'x'.repeat(260);
    expect(scoreContent(text, 'twitter', plain).quality_breakdown.length.score).toBe(17.5);
    // 35 characters on facebook (ideal 40–400): 10 + 15·35/40 = 23.1
    expect(scoreContent('y'.repeat(35), 'facebook', plain).quality_breakdown.length.score).toBe(23.1);
  });

  it('scores hashtags against the platform range', () => {
    const body = 'Fresh beans, roasted today. Learn more in store.';
    expect(scoreContent(`${body} #a #b #c #d`, 'twitter', plain).quality_breakdown.hashtags).toMatchObject({
      count: 4,
      score: 5, // two over the maximum of 2
    });
    expect(scoreContent(`${body} #a`, 'instagram', plain).quality_breakdown.hashtags.score).toBe(5); // 15·1/3
    expect(scoreContent(body, 'facebook', plain).quality_breakdown.hashtags.score).toBe(15);
  });

  it('takes 10 points per banned word and credits the brand call to action', () => {
    const guidelines = readGuidelines({
      banned_words: ['cheap', 'deal'],
      call_to_action: 'Visit brew.example',
      tone: 'bold',
    });
    const text = 'Cheap coffee, cheap deal. Visit brew.example now. #Coffee';
    const report = scoreContent(text, 'twitter', guidelines);
    expect(report.quality_breakdown.brand_safety).toMatchObject({
      score: 0,
      banned_words: ['cheap', 'deal'],
    });
    expect(report.quality_breakdown.call_to_action.found).toBe('Visit brew.example');
  });

  it('reads hashtags with letters beyond ASCII', () => {
    expect(hashtagsOf('Café time #CaféCrème #2026 #x_y')).toEqual(['#CaféCrème', '#2026', '#x_y']);
  });
});
