// The workflow the demo runs: the seed's "Workflow Definition Structure" example, as the seed's README
// gives it (tests/fixtures/workflows/seed-content-creation.yaml holds the same text).
export const SEED_WORKFLOW_NAME = 'AI-Powered Content Creation';

export const SEED_WORKFLOW_YAML = `workflow:
  name: "AI-Powered Content Creation"
  type: "hybrid"
  triggers:
    - type: "schedule"
      schedule: "0 9 * * 1-5"
    - type: "event"
      event_type: "campaign.content_requested"

  steps:
    - id: "validate_input"
      type: "validation"
      parameters:
        required_fields: ["brand_id", "content_topic"]

    - id: "generate_content"
      type: "agent"
      agent_type: "social-media-content"
      action: "create_content"
      timeout: "5m"
      retry_policy:
        max_attempts: 3
        backoff_factor: 2.0

    - id: "quality_gate"
      type: "condition"
      conditions:
        - expression: "quality_score >= 75"
          operator: "greater_or_equal"

    - id: "optimize_content"
      type: "agent"
      agent_type: "social-media-content"
      action: "enhance_content"
      conditions:
        - expression: "quality_score < 75"

  connections:
    - from: "validate_input"
      to: "generate_content"
    - from: "generate_content"
      to: "quality_gate"
    - from: "quality_gate"
      to: "optimize_content"
      condition: "quality_score < 75"
`;

/** The seed's four agent types, which the demo starts. */
export const SEED_AGENT_TYPES = [
  'social-media-content',
  'feedback-analyst',
  'inventory',
  'notifier',
] as const;
