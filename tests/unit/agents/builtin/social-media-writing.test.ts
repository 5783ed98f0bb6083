import { describe, expect, it } from 'vitest';
import { enhanceContent } from '../../../../src/agents/builtin/social-media-content/enhancer.js';
import { draftPost } from '../../../../src/agents/builtin/social-media-content/generator.js';
import { readGuidelines } from '../../../../src/agents/builtin/social-media-content/guidelines.js';
import { cleanReply } from '../../../../src/agents/builtin/social-media-content/llm-writer.js';
import { parsePost, topicHashtag } from '../../../../src/agents/builtin/social-media-content/post.js';
import { toPlatform } from '../../../../src/agents/builtin/social-media-content/platforms.js';
import { scoreContent } from '../../../../src/agents/builtin/social-media-content/quality.js';

const plain = readGuidelines({});

describe('the offline generator', () => {
  it("writes the seed's topic the same way every time, with a topic hashtag and no banned words", () => {
    const request = {
      brandId: 'brand-1',
      topic: 'New Product Launch',
      platform: 'twitter' as const,
      guidelines: plain,
    };
    const text = draftPost(request);
    expect(draftPost(request)).toBe(text);
    expect(text).toBe(
      'Say hello to New Product Launch. It is made to make your day a bit easier. #NewProductLaunch',
    );
  });

  it('scores the seed topic above the gate of 75 and a topic of long words below it (twitter, no guidelines)', () => {
    const seed = draftPost({
      brandId: 'brand-1',
      topic: 'New Product Launch',
      platform: 'twitter',
      guidelines: plain,
    });
    expect(scoreContent(seed, 'twitter', plain).quality_score).toBe(85); // everything but a call to action
    const hard = draftPost({
      brandId: 'brand-1',
      topic: 'Regenerative Agriculture Certification Partnership',
      platform: 'twitter',
      guidelines: plain,
    });
    const report = scoreContent(hard, 'twitter', plain);
    expect(report.quality_score).toBe(69);
    expect(report.quality_breakdown.readability.score).toBeLessThan(10);
  });

  it('follows the guidelines: tone, brand name, hashtags, call to action, banned template words', () => {
    const guidelines = readGuidelines({
      brand_name: 'Bean There',
      tone: 'friendly',
      hashtags: ['BeanThere', '#CoffeeLovers'],
      call_to_action: 'Find us at beanthere.example',
      banned_words: ['love', 'big news'],
    });
    const text = draftPost({ brandId: 'b-2', topic: 'Autumn Menu', platform: 'linkedin', guidelines });
    expect(text).toContain('Autumn Menu');
    expect(text).toContain('Find us at beanthere.example');
    expect(text).toMatch(/#BeanThere #CoffeeLovers #AutumnMenu$/);
    expect(text.toLowerCase()).not.toMatch(/\blove\b|big news/);
    const report = scoreContent(text, 'linkedin', guidelines);
    expect(report.quality_breakdown.brand_safety.score).toBe(20);
    expect(report.quality_breakdown.call_to_action.score).toBe(15);
  });

  it('caps hashtags at the platform maximum', () => {
    const guidelines = readGuidelines({ hashtags: ['a', 'b', 'c'] });
    const text = draftPost({ brandId: 'b', topic: 'Launch', platform: 'twitter', guidelines });
    expect(parsePost(text).hashtags).toEqual(['#a', '#b']);
  });
});

describe('enhance', () => {
  it('lifts a low-scoring draft above the gate: plain words, short lines, a call to action', () => {
    const topic = 'Regenerative Agriculture Certification Partnership';
    const draft = draftPost({ brandId: 'brand-1', topic, platform: 'twitter', guidelines: plain });
    const result = enhanceContent({ content: draft, platform: 'twitter', guidelines: plain, topic });
    expect(result.previous_score).toBe(69);
    expect(result.quality_score).toBeGreaterThanOrEqual(90);
    expect(result.content).toContain('Learn more today.');
    expect(result.changes).toContain('added a call to action ("Learn more today.")');
    expect([...result.content].length).toBeLessThanOrEqual(280);
  });

  it('removes banned words, trims hashtags and fits the limit', () => {
    const guidelines = readGuidelines({
      banned_words: ['cheap'],
      call_to_action: 'Shop now at brew.example',
    });
    const long = `Cheap and utterly delicious coffee for everyone who wants it. ${'We roast every single bean by hand. '.repeat(6)}#a #b #c #d #e`;
    const before = scoreContent(long, 'twitter', guidelines);
    const result = enhanceContent({ content: long, platform: 'twitter', guidelines });
    expect(result.quality_score).toBeGreaterThan(before.quality_score);
    expect(result.content.toLowerCase()).not.toContain('cheap');
    expect(result.quality_breakdown.length.characters).toBeLessThanOrEqual(240);
    expect(result.quality_breakdown.hashtags.count).toBe(2);
    expect(result.content).toContain('Shop now at brew.example');
  });

  it('fills an Instagram post up to three hashtags from the topic', () => {
    const draft = draftPost({
      brandId: 'brand-1',
      topic: 'New Product Launch',
      platform: 'instagram',
      guidelines: plain,
    });
    expect(scoreContent(draft, 'instagram', plain).quality_score).toBe(75);
    const result = enhanceContent({
      content: draft,
      platform: 'instagram',
      guidelines: plain,
      topic: 'New Product Launch',
    });
    expect(parsePost(result.content).hashtags).toEqual(['#NewProductLaunch', '#Product', '#Launch']);
    expect(result.quality_score).toBe(100);
  });

  it('leaves a post that cannot be improved unchanged', () => {
    const text =
      'Our new cold brew is here. It is smooth, bold and made fresh each day. Learn more today. #ColdBrew';
    const result = enhanceContent({ content: text, platform: 'twitter', guidelines: plain });
    expect(result).toMatchObject({ content: text, quality_score: 100, previous_score: 100, changes: [] });
  });
});

describe('helpers', () => {
  it('names platforms and hashtags', () => {
    expect(toPlatform('X')).toBe('twitter');
    expect(toPlatform('LinkedIn')).toBe('linkedin');
    expect(() => toPlatform('myspace')).toThrow(/expected one of/);
    expect(topicHashtag('new product launch!')).toBe('#NewProductLaunch');
  });

  it('strips quotes and fences from a model reply', () => {
    expect(cleanReply('"Hello world #Hi"')).toBe('Hello world #Hi');
    expect(cleanReply('```\nHello\n```')).toBe('Hello');
  });
});
