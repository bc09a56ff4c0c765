// Calico's selector language, as libcalico-go's own tokenizer and parser accept it
// (lib/selector/tokenizer/tokenizer.go, lib/selector/parser/parser.go, ast.go):
// - `||` binds loosest, then `&&`, then any number of leading `!` on one operation or parenthesis;
// - operations: `k == "v"`, `k != "v"`, `k in {"a","b"}`, `k not in {...}`, `k contains "v"`,
//   `k starts with "v"`, `k ends with "v"`, `has(k)`, `all()`, `global()`; the empty selector is `all()`;
// - strings in double or single quotes, with no escapes; labels `[a-zA-Z0-9_./-]+`; only spaces and
//   tabs are whitespace; a set may end with a comma;
// - a label the endpoint lacks: `==`, `in`, `contains`, `starts with`, `ends with` and `has` are false,
//   `!=` and `not in` are true.
// Bounded for hostile input: the text's length and the nesting of parentheses are capped, so a
// selector that does not parse costs at most one pass and says where it went wrong.
import type { Labels } from '../objects/model.ts';
import { selectorTruth } from './truth.ts';

export type CalicoSelector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notIn'; readonly key: string; readonly values: ReadonlySet<string> }
  | { readonly op: 'not'; readonly operand: CalicoSelector }
  | { readonly op: 'and' | 'or'; readonly operands: readonly CalicoSelector[] };

/** Longer than any selector a person writes; the apiserver would take up to 1.5 MiB. */
export const MAX_SELECTOR_CHARS = 16 * 1024;
export const MAX_SELECTOR_DEPTH = 32;

export class CalicoSelectorError extends Error {
  /** 1-based column in the selector text. */
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = 'CalicoSelectorError';
    this.column = column;
  }
}

type TokenKind = 'label' | 'string' | '{' | '}' | ',' | '==' | '!=' | 'in' | '!' | 'not in' | 'contains' | 'starts with' | 'ends with' | 'all' | 'has' | '(' | ')' | '&&' | '||' | 'global' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  /** 0-based offset where the token starts. */
  readonly at: number;
}

const LABEL_CHAR = /[a-zA-Z0-9_./-]/;
const LABEL_RUN = /[a-zA-Z0-9_./-]+/y;
const BLANK_RUN = /[ \t]*/y;

export function parseCalicoSelector(text: string): CalicoSelector {
  if (text.length > MAX_SELECTOR_CHARS) throw new CalicoSelectorError(`the selector is longer than ${MAX_SELECTOR_CHARS} characters`, MAX_SELECTOR_CHARS + 1);
  const tokens = tokenize(text);
  if (tokens[0]?.kind === 'end') return { op: 'all' };
  const parser = new Parser(tokens);
  const selector = parser.or(0);
  const rest = parser.peek();
  if (rest.kind !== 'end') throw new CalicoSelectorError(`unexpected ${describeToken(rest)} after a complete selector`, rest.at + 1);
  return selector;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const skipBlanks = (): void => {
    BLANK_RUN.lastIndex = i;
    BLANK_RUN.exec(text);
    i = BLANK_RUN.lastIndex;
  };
  const label = (): string => {
    LABEL_RUN.lastIndex = i;
    const match = LABEL_RUN.exec(text);
    return match === null ? '' : match[0];
  };
  const word = (w: string): boolean => text.startsWith(w, i);
  for (;;) {
    skipBlanks();
    const at = i;
    if (i >= text.length) {
      tokens.push({ kind: 'end', value: '', at });
      return tokens;
    }
    const c = text[i] as string;
    const push = (kind: TokenKind, length: number, value = ''): void => {
      tokens.push({ kind, value, at });
      i += length;
    };
    switch (c) {
      case '(':
      case ')':
      case '{':
      case '}':
      case ',':
        push(c, 1);
        continue;
      case '"':
      case "'": {
        const close = text.indexOf(c, i + 1);
        if (close === -1) throw new CalicoSelectorError(`unterminated string: no closing ${c}`, at + 1);
        push('string', close + 1 - i, text.slice(i + 1, close));
        continue;
      }
      case '=':
        if (text[i + 1] !== '=') throw new CalicoSelectorError('expected ==', at + 1);
        push('==', 2);
        continue;
      case '!':
        if (text[i + 1] === '=') push('!=', 2);
        else push('!', 1);
        continue;
      case '&':
        if (text[i + 1] !== '&') throw new CalicoSelectorError('expected &&', at + 1);
        push('&&', 2);
        continue;
      case '|':
        if (text[i + 1] !== '|') throw new CalicoSelectorError('expected ||', at + 1);
        push('||', 2);
        continue;
      default:
        break;
    }
    if (tokens.at(-1)?.kind === 'label') {
      // After a label only a word operator can follow (== and != were handled above).
      const twoWords = (first: string, kind: TokenKind): boolean => {
        if (!word(first)) return false;
        i += first.length;
        skipBlanks();
        if (!word(kind === 'not in' ? 'in' : 'with')) throw new CalicoSelectorError(`expected ${kind} after the label ${quote(tokens.at(-1)?.value ?? '')}`, at + 1);
        tokens.push({ kind, value: '', at });
        i += kind === 'not in' ? 2 : 4;
        return true;
      };
      if (word('contains')) push('contains', 'contains'.length);
      else if (twoWords('starts', 'starts with') || twoWords('ends', 'ends with') || twoWords('not', 'not in')) continue;
      else if (word('in')) push('in', 2);
      else throw new CalicoSelectorError(`expected an operator (==, !=, in, not in, contains, starts with, ends with) after the label ${quote(tokens.at(-1)?.value ?? '')}`, at + 1);
      continue;
    }
    if (word('has(')) {
      i += 4;
      skipBlanks();
      const key = label();
      if (key === '') throw new CalicoSelectorError('expected a label name in has(...)', i + 1);
      i += key.length;
      skipBlanks();
      if (text[i] !== ')') throw new CalicoSelectorError(`expected ) to close has(${key}`, i + 1);
      i++;
      tokens.push({ kind: 'has', value: key, at });
      continue;
    }
    const empty = (name: 'all' | 'global'): boolean => {
      if (!word(`${name}(`)) return false;
      i += name.length + 1;
      skipBlanks();
      if (text[i] !== ')') throw new CalicoSelectorError(`expected ) after ${name}(`, i + 1);
      i++;
      tokens.push({ kind: name, value: '', at });
      return true;
    };
    if (empty('all') || empty('global')) continue;
    if (LABEL_CHAR.test(c)) {
      const key = label();
      push('label', key.length, key);
      continue;
    }
    throw new CalicoSelectorError(`unexpected character ${JSON.stringify(c)}`, at + 1);
  }
}

class Parser {
  readonly #tokens: readonly Token[];
  #next = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  peek(): Token {
    return this.#tokens[this.#next] as Token;
  }

  #take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.#next++;
    return token;
  }

  or(depth: number): CalicoSelector {
    const operands = [this.#and(depth)];
    while (this.peek().kind === '||') {
      this.#take();
      operands.push(this.#and(depth));
    }
    return operands.length === 1 ? (operands[0] as CalicoSelector) : { op: 'or', operands };
  }

  #and(depth: number): CalicoSelector {
    const operands = [this.#operation(depth)];
    while (this.peek().kind === '&&') {
      this.#take();
      operands.push(this.#operation(depth));
    }
    return operands.length === 1 ? (operands[0] as CalicoSelector) : { op: 'and', operands };
  }

  #operation(depth: number): CalicoSelector {
    let negated = false;
    while (this.peek().kind === '!') {
      this.#take();
      negated = !negated;
    }
    const selector = this.#positive(depth);
    return negated ? { op: 'not', operand: selector } : selector;
  }

  #positive(depth: number): CalicoSelector {
    const token = this.#take();
    switch (token.kind) {
      case 'has':
        return { op: 'has', key: token.value };
      case 'all':
        return { op: 'all' };
      case 'global':
        return { op: 'global' };
      case '(': {
        if (depth >= MAX_SELECTOR_DEPTH) throw new CalicoSelectorError(`parentheses nest deeper than ${MAX_SELECTOR_DEPTH} levels`, token.at + 1);
        const inner = this.or(depth + 1);
        const close = this.#take();
        if (close.kind !== ')') throw new CalicoSelectorError(`expected ) to close the ( at column ${token.at + 1}, found ${describeToken(close)}`, close.at + 1);
        return inner;
      }
      case 'label':
        return this.#comparison(token.value);
      default:
        throw new CalicoSelectorError(`expected a label, has(), all(), global(), ! or (, found ${describeToken(token)}`, token.at + 1);
    }
  }

  #comparison(key: string): CalicoSelector {
    const operator = this.#take();
    switch (operator.kind) {
      case '==':
        return { op: 'eq', key, value: this.#string(operator) };
      case '!=':
        return { op: 'ne', key, value: this.#string(operator) };
      case 'contains':
        return { op: 'contains', key, value: this.#string(operator) };
      case 'starts with':
        return { op: 'startsWith', key, value: this.#string(operator) };
      case 'ends with':
        return { op: 'endsWith', key, value: this.#string(operator) };
      case 'in':
      case 'not in':
        return { op: operator.kind === 'in' ? 'in' : 'notIn', key, values: this.#set(operator) };
      default:
        throw new CalicoSelectorError(`expected an operator after the label ${quote(key)}, found ${describeToken(operator)}`, operator.at + 1);
    }
  }

  #string(after: Token): string {
    const token = this.#take();
    if (token.kind !== 'string') throw new CalicoSelectorError(`expected a quoted string after ${after.kind}, found ${describeToken(token)}`, token.at + 1);
    return token.value;
  }

  #set(after: Token): ReadonlySet<string> {
    const open = this.#take();
    if (open.kind !== '{') throw new CalicoSelectorError(`expected a set such as {"a", "b"} after ${after.kind}, found ${describeToken(open)}`, open.at + 1);
    const values = new Set<string>();
    while (this.peek().kind === 'string') {
      values.add(this.#take().value);
      if (this.peek().kind !== ',') break;
      this.#take();
    }
    const close = this.#take();
    if (close.kind !== '}') throw new CalicoSelectorError(`expected } to close the set, found ${describeToken(close)}`, close.at + 1);
    return values;
  }
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the selector';
    case 'label':
      return `the label ${quote(token.value)}`;
    case 'string':
      return `the string ${quote(token.value)}`;
    case 'has':
      return `has(${token.value})`;
    case 'all':
    case 'global':
      return `${token.kind}()`;
    default:
      return token.kind;
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/** Does the selector match an object with these labels? (ast.go's Evaluate; truth.ts has the rules.) */
export function calicoSelects(selector: CalicoSelector, labels: Labels): boolean {
  return selectorTruth(selector, { labels }) === 'yes';
}

/** Calico's own canonical text (ast.go collectFragments): `(a == "x" && !has(b))`. */
export function describeCalicoSelector(selector: CalicoSelector): string {
  switch (selector.op) {
    case 'all':
    case 'global':
      return `${selector.op}()`;
    case 'has':
      return `has(${selector.key})`;
    case 'eq':
      return `${selector.key} == ${quoted(selector.value)}`;
    case 'ne':
      return `${selector.key} != ${quoted(selector.value)}`;
    case 'contains':
      return `${selector.key} contains ${quoted(selector.value)}`;
    case 'startsWith':
      return `${selector.key} starts with ${quoted(selector.value)}`;
    case 'endsWith':
      return `${selector.key} ends with ${quoted(selector.value)}`;
    case 'in':
    case 'notIn':
      return `${selector.key} ${selector.op === 'in' ? 'in' : 'not in'} {${[...selector.values].sort().map(quoted).join(', ')}}`;
    case 'not':
      return `!${describeCalicoSelector(selector.operand)}`;
    case 'and':
    case 'or':
      return `(${selector.operands.map(describeCalicoSelector).join(selector.op === 'and' ? ' && ' : ' || ')})`;
    default: {
      const never: never = selector;
      throw new Error(`unknown selector ${JSON.stringify(never)}`);
    }
  }
}

/** Calico quotes with `"` unless the value holds one; it has no escapes. */
function quoted(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}
