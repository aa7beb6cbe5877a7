/**
 * The subset of CloudWatch metric math the service's alarms use, evaluated on one data point at
 * a time: numbers, metric ids, `+ - * /`, parentheses, comparisons (`> >= < <= == !=`, 1 or 0),
 * `AND`/`OR`, `IF(cond, a, b)`, `FILL(x, v)`, `MAX([a, b])`/`MIN([a, b])` and `ABS(x)`.
 *
 * Missing data is `undefined` and propagates through arithmetic as in CloudWatch (a time series
 * with no point at a timestamp has no result there), until `FILL` replaces it. Division by zero
 * gives no point, as CloudWatch drops non-finite values.
 */

export type Value = number | undefined;

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'negate'; operand: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'list'; items: Node[] };

export class MetricMathError extends Error {
  override name = 'MetricMathError';
}

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[-+*/(),<>[\]]))/y;

const tokenize = (expression: string): string[] => {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(expression);
    if (match === null) {
      throw new MetricMathError(
        `Cannot read '${expression.slice(TOKEN.lastIndex)}' in metric math '${expression}'`,
      );
    }
    tokens.push(match[1] ?? match[2] ?? match[3] ?? '');
  }
  return tokens;
};

const PRECEDENCE: Record<string, number> = {
  OR: 1,
  AND: 2,
  '>': 3,
  '>=': 3,
  '<': 3,
  '<=': 3,
  '==': 3,
  '!=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};

/** Parses a metric math expression; throws {@link MetricMathError} on what it does not support. */
export const parseMetricMath = (expression: string): Node => {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string): string => {
    const token = tokens[position];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new MetricMathError(
        `Expected ${expected ?? 'more'} at token ${position} of '${expression}'`,
      );
    }
    position += 1;
    return token;
  };
  const primary = (): Node => {
    const token = take();
    if (token === '(') {
      const inner = binary(0);
      take(')');
      return inner;
    }
    if (token === '[') {
      const items: Node[] = [binary(0)];
      while (peek() === ',') {
        take(',');
        items.push(binary(0));
      }
      take(']');
      return { kind: 'list', items };
    }
    if (token === '-') return { kind: 'negate', operand: primary() };
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (/^[A-Za-z_]/.test(token)) {
      if (peek() === '(') {
        take('(');
        const args: Node[] = [];
        if (peek() !== ')') {
          args.push(binary(0));
          while (peek() === ',') {
            take(',');
            args.push(binary(0));
          }
        }
        take(')');
        return { kind: 'call', name: token.toUpperCase(), args };
      }
      return { kind: 'id', name: token };
    }
    throw new MetricMathError(`Unexpected '${token}' in '${expression}'`);
  };
  const binary = (minimum: number): Node => {
    let left = primary();
    for (;;) {
      const op = peek();
      const precedence = op === undefined ? undefined : PRECEDENCE[op];
      if (op === undefined || precedence === undefined || precedence < minimum) return left;
      take();
      const right = binary(precedence + 1);
      left = { kind: 'binary', op, left, right };
    }
  };
  const tree = binary(0);
  if (position !== tokens.length) {
    throw new MetricMathError(`Unexpected '${tokens[position]}' in '${expression}'`);
  }
  return tree;
};

const finite = (value: number): Value => (Number.isFinite(value) ? value : undefined);

const evaluateNode = (node: Node, values: (id: string) => Value): Value | Value[] => {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'id':
      return values(node.name);
    case 'negate': {
      const operand = evaluateNode(node.operand, values);
      return typeof operand === 'number' ? -operand : undefined;
    }
    case 'list':
      return node.items.map((item) => evaluateNode(item, values) as Value);
    case 'binary': {
      const left = evaluateNode(node.left, values) as Value;
      const right = evaluateNode(node.right, values) as Value;
      if (left === undefined || right === undefined) return undefined;
      switch (node.op) {
        case '+':
          return left + right;
        case '-':
          return left - right;
        case '*':
          return left * right;
        case '/':
          return finite(left / right);
        case '>':
          return left > right ? 1 : 0;
        case '>=':
          return left >= right ? 1 : 0;
        case '<':
          return left < right ? 1 : 0;
        case '<=':
          return left <= right ? 1 : 0;
        case '==':
          return left === right ? 1 : 0;
        case '!=':
          return left !== right ? 1 : 0;
        case 'AND':
          return left !== 0 && right !== 0 ? 1 : 0;
        case 'OR':
          return left !== 0 || right !== 0 ? 1 : 0;
        default:
          throw new MetricMathError(`Operator ${node.op} is not supported`);
      }
    }
    case 'call': {
      const args = node.args.map((arg) => evaluateNode(arg, values));
      switch (node.name) {
        case 'FILL': {
          const value = scalarArgument(node.name, args, 0);
          return value === undefined ? scalarArgument(node.name, args, 1) : value;
        }
        case 'IF': {
          const condition = scalarArgument(node.name, args, 0);
          if (condition === undefined) return undefined;
          return condition !== 0
            ? scalarArgument(node.name, args, 1)
            : args.length > 2
              ? scalarArgument(node.name, args, 2)
              : undefined;
        }
        case 'ABS': {
          const value = scalarArgument(node.name, args, 0);
          return value === undefined ? undefined : Math.abs(value);
        }
        case 'MAX':
        case 'MIN': {
          const list = (Array.isArray(args[0]) ? args[0] : args).filter(
            (value): value is number => typeof value === 'number',
          );
          if (list.length === 0) return undefined;
          return node.name === 'MAX' ? Math.max(...list) : Math.min(...list);
        }
        default:
          throw new MetricMathError(`Function ${node.name} is not supported by the simulator`);
      }
    }
  }
};

function scalarArgument(name: string, args: readonly (Value | Value[])[], index: number): Value {
  const arg = args[index];
  if (Array.isArray(arg))
    throw new MetricMathError(`${name}: argument ${index + 1} must not be a list`);
  return arg;
}

/** Evaluates a parsed expression for one timestamp, given each id's value there. */
export const evaluateMetricMath = (tree: Node, values: (id: string) => Value): Value => {
  const result = evaluateNode(tree, values);
  if (Array.isArray(result))
    throw new MetricMathError('A metric math result must be one series, not a list');
  return result;
};

/** The ids an expression reads. */
export const referencedIds = (tree: Node): Set<string> => {
  const ids = new Set<string>();
  const visit = (node: Node): void => {
    if (node.kind === 'id') ids.add(node.name);
    if (node.kind === 'binary') {
      visit(node.left);
      visit(node.right);
    }
    if (node.kind === 'negate') visit(node.operand);
    if (node.kind === 'call') node.args.forEach(visit);
    if (node.kind === 'list') node.items.forEach(visit);
  };
  visit(tree);
  return ids;
};

export type MetricMathTree = Node;
