// Public face of the expression language: compile once, evaluate many times, always within limits.
export { compileExpression, expressionAst, FORBIDDEN_FUNCTIONS } from './compile-expression.js';
export type { CompiledExpression, CompileExpressionResult } from './compile-expression.js';
export { evaluateExpression, evaluateCondition } from './evaluate-expression.js';
export type { EvaluateOptions, EvaluationResult } from './evaluate-expression.js';
export { buildExecutionScope, buildEventScope } from './evaluation-scope.js';
export type { EvaluationScope, ExecutionContextInput, FinishedStep } from './evaluation-scope.js';
export { DEFAULT_EXPRESSION_LIMITS, resolveExpressionLimits } from './limits.js';
export type { ExpressionLimits, ExpressionOptions } from './limits.js';
export type { JsonataFailure } from './jsonata-error.js';
export type { JsonValue } from './plain-json.js';
export { isTruthy } from './truthiness.js';
