// The seed's four agents, built from their dependencies. docs/agents.md describes each action.
import type { AgentDefinition } from '../sdk/define-agent.js';
import type { BuiltinAgentDeps } from './deps.js';
import { createFeedbackAgent } from './feedback-analyst/agent.js';
import { createInventoryAgent } from './inventory/agent.js';
import { createNotifierAgent } from './notifier/agent.js';
import { createSocialMediaAgent } from './social-media-content/agent.js';

export type { BuiltinAgentDeps, BuiltinAgentsConfig } from './deps.js';

export const BUILTIN_AGENT_TYPES = [
  'social-media-content',
  'feedback-analyst',
  'inventory',
  'notifier',
] as const;

export function createBuiltinAgents(deps: BuiltinAgentDeps): AgentDefinition[] {
  return [
    createSocialMediaAgent(deps),
    createFeedbackAgent(deps),
    createInventoryAgent(deps),
    createNotifierAgent(deps),
  ];
}
