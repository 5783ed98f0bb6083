// Typed data flow: every expression's field references are checked against the context its step sees (the
// workflow input plus the outputs of the steps that have finished on every path before it), read from JSONata's
// own syntax tree. What is not declared (an agent without schemas, an open object) is never an error.
import { expressionAst, type CompiledExpression } from '../expression/index.js';
import type { AgentCatalog } from './agent-catalog.js';
import {
  fieldOf,
  requiredAlternativesOf,
  requiredFieldsOf,
  shapeOfSchema,
  UNKNOWN_SHAPE,
  type DataShape,
} from './data-shape.js';
import type { ExpressionTable } from './expression-table.js';
import type { ProblemList } from './problem.js';
import { stepOrderOf, type StepOrder } from './step-order.js';
import { closestMatch } from './suggest.js';
import type { StepDefinition, WorkflowDefinition } from './types.js';
import type { StepGraph } from './workflow-graph.js';

/** A node of JSONata's syntax tree as the parser really builds it (its typings omit `path` and a few keys). */
interface AstNode {
  readonly type: string;
  readonly value?: unknown;
  readonly position?: number;
  readonly steps?: AstNode[];
  readonly stages?: AstNode[];
  readonly predicate?: AstNode[];
  readonly lhs?: AstNode | AstNode[] | [AstNode, AstNode][];
  readonly rhs?: AstNode;
  readonly arguments?: AstNode[];
  readonly expressions?: AstNode[];
  readonly procedure?: AstNode;
  readonly expression?: AstNode;
  readonly condition?: AstNode;
  readonly then?: AstNode;
  readonly else?: AstNode;
}

function astOf(compiled: CompiledExpression): AstNode {
  return expressionAst(compiled) as unknown as AstNode;
}

const CONTROL_STEPS: ReadonlySet<string> = new Set(['condition', 'delay', 'end', 'fail']);

interface Scope {
  /** The step whose expression this is; undefined for the workflow output. */
  readonly stepId?: string;
  /** Steps that may have finished (their ids and fields are in the context). */
  readonly upstream: ReadonlySet<string>;
  /** Steps that have settled on every path; undefined: do not check (the workflow output). */
  readonly settled?: ReadonlySet<string>;
}

export function checkDataFlow(
  definition: WorkflowDefinition,
  graph: StepGraph,
  expressions: ExpressionTable,
  catalog: AgentCatalog | undefined,
  problems: ProblemList,
): void {
  new DataFlowChecker(definition, graph, expressions, catalog, problems).run();
}

class DataFlowChecker {
  readonly #steps = new Map<string, StepDefinition>();
  readonly #pointers = new Map<string, string>();
  readonly #outputs = new Map<string, DataShape>();
  readonly #order: StepOrder;
  readonly #input: DataShape;

  constructor(
    private readonly definition: WorkflowDefinition,
    private readonly graph: StepGraph,
    private readonly expressions: ExpressionTable,
    private readonly catalog: AgentCatalog | undefined,
    private readonly problems: ProblemList,
  ) {
    definition.steps.forEach((step, index) => {
      this.#steps.set(step.id, step);
      this.#pointers.set(step.id, `/workflow/steps/${index}`);
    });
    this.#order = stepOrderOf(graph, this.#steps);
    this.#input =
      definition.input_schema === undefined ? UNKNOWN_SHAPE : shapeOfSchema(definition.input_schema);
    for (const step of definition.steps) this.#outputs.set(step.id, this.outputShape(step));
  }

  run(): void {
    for (const step of this.definition.steps) {
      const pointer = this.#pointers.get(step.id) as string;
      const scope: Scope = {
        stepId: step.id,
        upstream: this.#order.upstream.get(step.id) ?? new Set(),
        settled: this.#order.settled.get(step.id) ?? new Set(),
      };
      step.conditions?.forEach((_, index) => this.check(`${pointer}/conditions/${index}/expression`, scope));
      this.check(`${pointer}/input`, scope);
      this.check(`${pointer}/output`, scope);
      this.check(`${pointer}/correlation`, scope);
      this.checkRequiredInput(step, `${pointer}/input`, step.agent_type, step.action);
      if (step.compensate) {
        // A compensation runs after its step finished, so the step's own output is in its context.
        const after: Scope = {
          stepId: step.id,
          upstream: new Set([...scope.upstream, step.id]),
          settled: new Set([...(scope.settled ?? []), step.id]),
        };
        this.check(`${pointer}/compensate/input`, after);
        this.checkRequiredInput(
          step,
          `${pointer}/compensate/input`,
          step.compensate.agent_type,
          step.compensate.action,
        );
      }
    }
    this.definition.connections?.forEach((connection, index) => {
      const from = connection.from;
      this.check(`/workflow/connections/${index}/condition`, {
        stepId: connection.to,
        upstream: new Set([...(this.#order.upstream.get(from) ?? []), from]),
        settled: new Set([...(this.#order.settled.get(from) ?? []), from]),
      });
    });
    this.check('/workflow/output', { upstream: new Set(this.graph.ids) });
  }

  private outputShape(step: StepDefinition): DataShape {
    if (step.type === 'agent' && step.agent_type && step.action) {
      const output = this.catalog?.actionSchemas?.(step.agent_type, step.action)?.output;
      return output === undefined ? UNKNOWN_SHAPE : shapeOfSchema(output);
    }
    if (step.type === 'condition') {
      return {
        kind: 'object',
        fields: new Map([['passed', { kind: 'scalar', type: 'boolean' }]]),
        open: false,
      };
    }
    if (step.type === 'transform' && step.output !== undefined) {
      const compiled = this.expressions.get(`${this.#pointers.get(step.id)}/output`);
      return compiled ? constructedShape(astOf(compiled)) : UNKNOWN_SHAPE;
    }
    return UNKNOWN_SHAPE;
  }

  private check(pointer: string, scope: Scope): void {
    const compiled = this.expressions.get(pointer);
    if (!compiled) return;
    const ast = astOf(compiled);
    for (const path of rootPaths(ast)) this.checkPath(path, pointer, scope);
    for (const comparison of comparisons(ast)) this.checkComparison(comparison, pointer, scope);
  }

  private checkPath(path: readonly AstNode[], pointer: string, scope: Scope): void {
    const [head, ...rest] = path;
    if (!head) return;
    if (head.type === 'variable' && head.value === 'input') {
      this.walk(this.#input, rest, 'the workflow input', pointer);
      return;
    }
    if (head.type === 'variable' && head.value === 'steps') {
      const [stepNode, ...fields] = rest;
      if (stepNode?.type !== 'name') return;
      const id = String(stepNode.value);
      if (!this.#steps.has(id)) {
        const near = closestMatch(id, this.#steps.keys());
        this.problems.error(
          pointer,
          'unknown-step-reference',
          `\`$steps.${id}\` names no step${near ? `; did you mean \`${near}\`?` : ''}`,
        );
        return;
      }
      this.checkStepReference(id, fields, pointer, scope);
      return;
    }
    if (head.type !== 'name') return;
    const name = String(head.value);
    // An id wins over a field of the same name once its step has finished; before, a step's name is read as a
    // reference to it unless the input schema declares a field of that name.
    const inputDeclares = this.#input.kind === 'object' && this.#input.fields.has(name);
    if (this.#steps.has(name) && (scope.upstream.has(name) || !inputDeclares)) {
      this.checkStepReference(name, rest, pointer, scope);
      return;
    }
    this.checkRootField(name, pointer, scope);
  }

  private checkStepReference(id: string, fields: readonly AstNode[], pointer: string, scope: Scope): void {
    const where = scope.stepId === undefined ? 'the workflow output' : `step \`${scope.stepId}\``;
    if (!scope.upstream.has(id)) {
      this.problems.error(
        pointer,
        'step-not-finished',
        `${where} refers to step \`${id}\`, which cannot have finished before it: no path leads from \`${id}\` to it`,
      );
      return;
    }
    if (scope.settled && scope.stepId !== undefined && !scope.settled.has(id)) {
      const path = this.#order.pathAvoiding(scope.stepId, id);
      this.problems.error(
        pointer,
        'step-not-finished',
        `${where} refers to step \`${id}\`, which has not finished on the path ${path ? path.join(' → ') : 'through a failure jump'}`,
      );
      return;
    }
    if (scope.settled && this.#order.skippable.has(id)) {
      this.problems.warning(
        pointer,
        'maybe-missing',
        `step \`${id}\` can be skipped, so ${where}'s reference to it may find nothing`,
      );
    }
    const step = this.#steps.get(id) as StepDefinition;
    this.walk(this.#outputs.get(id) ?? UNKNOWN_SHAPE, fields, describeStep(step), pointer);
  }

  /** Follows `fields` through `shape`; reports the first field a closed object does not have. */
  private walk(shape: DataShape, fields: readonly AstNode[], owner: string, pointer: string): void {
    let current = shape;
    const walked: string[] = [];
    for (const node of fields) {
      if (node.type !== 'name') return;
      const name = String(node.value);
      const next = fieldOf(current, name);
      if (next === undefined) {
        const known = current.kind === 'object' ? [...current.fields.keys()] : [];
        const near = closestMatch(name, known);
        const at = walked.length === 0 ? '' : ` under \`${walked.join('.')}\``;
        this.problems.error(
          pointer,
          'unknown-field',
          `${owner} has no ${owner === 'the workflow input' ? '' : 'output '}field \`${name}\`${at}; ${
            near
              ? `did you mean \`${near}\`?`
              : `it has ${known.map((field) => `\`${field}\``).join(', ') || 'no fields'}`
          }`,
        );
        return;
      }
      walked.push(name);
      current = next;
      if (current.kind !== 'object') return;
    }
  }

  /** A bare field is found in the input or any finished step's output; an error only when all are closed. */
  private checkRootField(name: string, pointer: string, scope: Scope): void {
    const sources: DataShape[] = [this.#input];
    for (const id of scope.upstream) {
      const step = this.#steps.get(id);
      if (step && !CONTROL_STEPS.has(step.type)) sources.push(this.#outputs.get(id) ?? UNKNOWN_SHAPE);
    }
    if (sources.some((shape) => fieldOf(shape, name) !== undefined)) return;
    const known = sources.flatMap((shape) => (shape.kind === 'object' ? [...shape.fields.keys()] : []));
    const near = closestMatch(name, known);
    const where = scope.stepId === undefined ? 'the workflow output' : `step \`${scope.stepId}\``;
    this.problems.error(
      pointer,
      'unknown-field',
      `no field \`${name}\` in the context of ${where}: neither the workflow input nor a step before it declares it${
        near ? `; did you mean \`${near}\`?` : ''
      }`,
    );
  }

  private checkComparison(node: AstNode, pointer: string, scope: Scope): void {
    const sides = [node.lhs as AstNode, node.rhs as AstNode];
    const literal = sides.find((side) => side?.type === 'string' || side?.type === 'number');
    const path = sides.find((side) => side?.type === 'path');
    if (!literal || !path) return;
    const type = this.scalarTypeOf(path.steps ?? [], scope);
    if (type === undefined || type === literal.type || (type !== 'string' && type !== 'number')) return;
    this.problems.warning(
      pointer,
      'type-mismatch',
      `\`${pathText(path.steps ?? [])}\` is a ${type}, compared (${String(node.value)}) with the ${literal.type} ${JSON.stringify(literal.value)}`,
    );
  }

  private scalarTypeOf(path: readonly AstNode[], scope: Scope): string | undefined {
    const [head, ...rest] = path;
    if (
      head?.type !== 'name' ||
      !this.#steps.has(String(head.value)) ||
      !scope.upstream.has(String(head.value))
    ) {
      return undefined;
    }
    let shape = this.#outputs.get(String(head.value)) ?? UNKNOWN_SHAPE;
    for (const node of rest) {
      if (node.type !== 'name' || node.stages) return undefined;
      shape = fieldOf(shape, String(node.value)) ?? UNKNOWN_SHAPE;
    }
    return shape.kind === 'scalar' ? shape.type : undefined;
  }

  /** An agent step (or compensation) whose input is a literal map must give every field the action requires. */
  private checkRequiredInput(
    step: StepDefinition,
    pointer: string,
    agentType: string | undefined,
    action: string | undefined,
  ): void {
    if (!agentType || !action) return;
    const schema = this.catalog?.actionSchemas?.(agentType, action)?.input;
    const required = requiredFieldsOf(schema);
    const alternatives = requiredAlternativesOf(schema);
    const compiled = this.expressions.get(pointer);
    if ((required.length === 0 && alternatives.length === 0) || !compiled) return;
    const given = constructedKeys(astOf(compiled));
    if (given === undefined) return;
    const missing = required.filter((field) => !given.has(field));
    const unmet = alternatives
      .map((fields) => fields.filter((field) => !given.has(field)))
      .sort((a, b) => a.length - b.length);
    const satisfied = unmet.length === 0 || unmet.some((fields) => fields.length === 0);
    if (missing.length === 0 && satisfied) return;
    const names = (fields: readonly string[]): string => fields.map((field) => `\`${field}\``).join(', ');
    const needed = satisfied ? missing : [...missing, ...(unmet[0] ?? [])];
    const otherwise = satisfied
      ? ''
      : unmet
          .slice(1)
          .map((fields) => ` (or ${names(fields)})`)
          .join('');
    this.problems.error(
      pointer,
      'missing-input-field',
      `step \`${step.id}\` (${agentType}.${action}): ${action} needs ${names(needed)}${otherwise}`,
    );
  }
}

function describeStep(step: StepDefinition): string {
  return step.type === 'agent'
    ? `step \`${step.id}\` (${step.agent_type}.${step.action})`
    : `step \`${step.id}\` (${step.type})`;
}

function pathText(path: readonly AstNode[]): string {
  return path
    .map((node) => (node.type === 'variable' ? `$${String(node.value)}` : String(node.value)))
    .join('.');
}

/** The keys of an object constructor `{ 'a': …, 'b': … }` with literal keys; undefined for anything else. */
function constructedKeys(ast: AstNode): Set<string> | undefined {
  if (ast.type !== 'unary' || ast.value !== '{' || !Array.isArray(ast.lhs)) return undefined;
  const keys = new Set<string>();
  for (const pair of ast.lhs as [AstNode, AstNode][]) {
    if (pair[0]?.type !== 'string') return undefined;
    keys.add(String(pair[0].value));
  }
  return keys;
}

/** A transform's output shape when it builds a map with literal keys: those fields, closed. */
function constructedShape(ast: AstNode): DataShape {
  const keys = constructedKeys(ast);
  if (!keys) return UNKNOWN_SHAPE;
  return { kind: 'object', fields: new Map([...keys].map((key) => [key, UNKNOWN_SHAPE])), open: false };
}

/**
 * The paths evaluated against the root context. Paths inside a filter, a sort or a lambda see another context
 * (an item, a parameter), so only their own leading step is followed, never their insides.
 */
function rootPaths(ast: AstNode): AstNode[][] {
  const paths: AstNode[][] = [];
  const visit = (node: AstNode | undefined): void => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'lambda') return;
    if (node.type === 'path') {
      const steps = node.steps ?? [];
      const leading: AstNode[] = [];
      for (const step of steps) {
        if (step.type !== 'name' && !(leading.length === 0 && step.type === 'variable')) break;
        leading.push(step);
        if (step.stages || step.predicate) break;
      }
      // A path starting with another expression (a block, a function call) has its own context.
      if (steps[0] && steps[0].type !== 'name' && steps[0].type !== 'variable') visit(steps[0]);
      if (leading.length > 0) paths.push(leading);
      return;
    }
    if (node.type === 'variable' && (node.value === 'input' || node.value === 'steps')) return;
    for (const child of children(node)) visit(child);
  };
  visit(ast);
  return paths;
}

function comparisons(ast: AstNode): AstNode[] {
  const found: AstNode[] = [];
  const visit = (node: AstNode | undefined): void => {
    if (!node || typeof node !== 'object' || node.type === 'lambda' || node.type === 'path') return;
    if (node.type === 'binary' && ['=', '!=', '<', '<=', '>', '>='].includes(String(node.value)))
      found.push(node);
    for (const child of children(node)) visit(child);
  };
  visit(ast);
  return found;
}

function children(node: AstNode): AstNode[] {
  const list: AstNode[] = [];
  const add = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === 'object' && 'type' in value) list.push(value as AstNode);
  };
  add(node.lhs);
  add(node.rhs);
  add(node.expression);
  add(node.arguments);
  add(node.expressions);
  add(node.condition);
  add(node.then);
  add(node.else);
  add(node.procedure);
  return list;
}
