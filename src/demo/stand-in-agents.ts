// Stand-ins for seed agent types the catalog does not have (yet): enough for the demo workflow to run
// end to end, and labelled as stand-ins wherever the demo prints them. The built-in agents replace them
// as soon as they are registered in the catalog.
import { defineAgent, type AgentDefinition } from '../agents/sdk/define-agent.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Scores a draft like a strict editor would: length, a call to action and a hashtag each earn points. */
function score(content: string): number {
  let points = 40;
  if (content.length >= 80) points += 15;
  if (/[!?]/.test(content)) points += 10;
  if (/#\w/.test(content)) points += 15;
  if (/\b(learn more|discover|try|join|shop)\b/i.test(content)) points += 15;
  return Math.min(100, points);
}

const socialMediaContent = defineAgent({
  type: 'social-media-content',
  version: '0.0.0-stand-in',
  description: 'Stand-in for the social media content agent (templates, no model).',
  concurrency: 8,
  actions: {
    create_content: {
      description: 'Drafts a post about content_topic for brand_id.',
      handler: (input: unknown) => {
        const request = isObject(input) ? input : {};
        const topic = String(request.content_topic ?? 'our news');
        const content = `${topic}: something new is here.`;
        return {
          brand_id: request.brand_id ?? null,
          content_topic: topic,
          content,
          quality_score: score(content),
        };
      },
    },
    enhance_content: {
      description: 'Improves a draft: a hook, a call to action and a hashtag.',
      handler: (input: unknown) => {
        const draft = isObject(input) ? input : {};
        const topic = String(draft.content_topic ?? 'our news');
        const tag = `#${topic.replace(/[^A-Za-z0-9]/g, '')}`;
        const content = `Big news! ${String(draft.content ?? topic)} Discover what changes for you today. ${tag}`;
        return {
          brand_id: draft.brand_id ?? null,
          content_topic: topic,
          content,
          quality_score: score(content),
          previous_score: typeof draft.quality_score === 'number' ? draft.quality_score : null,
        };
      },
    },
  },
});

const STAND_INS = new Map<string, AgentDefinition>([[socialMediaContent.type, socialMediaContent]]);

export function standInAgent(type: string): AgentDefinition | undefined {
  return STAND_INS.get(type);
}
