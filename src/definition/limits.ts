// Bounds that make hostile definitions fail fast with a clear message instead of exhausting CPU, memory or stack.
import {
  resolveExpressionLimits,
  type ExpressionLimits,
  type ExpressionOptions,
} from '../expression/index.js';

export interface DefinitionLimits {
  /** Largest accepted source, in bytes (1 MiB). */
  readonly maxSourceBytes: number;
  /** Most YAML tokens the source may hold; bounds parse time (the parser is fast per token, not free). */
  readonly maxTokens: number;
  /** Deepest nesting of maps and lists. */
  readonly maxDepth: number;
  /** Most values in the parsed document, counting each alias expansion again (defeats "billion laughs"). */
  readonly maxNodes: number;
  /** Most steps in one workflow. */
  readonly maxSteps: number;
  readonly expression: ExpressionLimits;
}

export interface DefinitionLimitOptions extends Partial<Omit<DefinitionLimits, 'expression'>> {
  readonly expression?: ExpressionOptions;
}

export const DEFAULT_DEFINITION_LIMITS: DefinitionLimits = Object.freeze({
  maxSourceBytes: 1024 * 1024,
  maxTokens: 200_000,
  maxDepth: 64,
  maxNodes: 100_000,
  maxSteps: 1000,
  expression: resolveExpressionLimits(),
});

export function resolveDefinitionLimits(options: DefinitionLimitOptions = {}): DefinitionLimits {
  const { expression, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return Object.freeze({
    ...DEFAULT_DEFINITION_LIMITS,
    ...defined,
    expression: resolveExpressionLimits(expression),
  });
}
