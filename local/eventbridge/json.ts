/**
 * A small JSON reader that keeps what `JSON.parse` throws away and EventBridge does not: the order of
 * object members including duplicate keys (AWS compiles a pattern member by member, so a repeated key
 * replaces the earlier one only at its own path), the source text of numbers, and Jackson-style error
 * messages (AWS reports pattern syntax errors with the wording of the Java parser it uses).
 */

export type JsonNode =
  | { kind: 'object'; entries: Array<[string, JsonNode]> }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string; value: number }
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'null' };

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason}\n at [Source: (String); line: ${line}, column: ${column}]`);
    this.name = 'JsonSyntaxError';
  }
}

const EXPECTING_VALUE =
  "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return `'${ch}' (code ${code})`;
}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonNode {
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      // Jackson reads only the first root value; trailing content is reported the way it reports a second root.
      this.fail(
        `Unexpected character (${describeChar(this.text[this.pos] as string)}): expected end-of-input`,
      );
    }
    return value;
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new JsonSyntaxError(reason, line, column);
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') this.pos++;
      else break;
    }
  }

  private parseValue(): JsonNode {
    this.skipWhitespace();
    const ch = this.text[this.pos];
    if (ch === undefined) this.fail('Unexpected end-of-input: expected a value');
    if (ch === '{') return this.parseObject();
    if (ch === '[') return this.parseArray();
    if (ch === '"') return { kind: 'string', value: this.parseString() };
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.parseNumber();
    if (/[A-Za-z_$]/.test(ch)) return this.parseKeyword();
    this.fail(
      `Unexpected character (${describeChar(ch)}): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`,
    );
  }

  private parseKeyword(): JsonNode {
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9_$]/.test(this.text[this.pos] as string)) this.pos++;
    const token = this.text.slice(start, this.pos);
    if (token === 'true') return { kind: 'true' };
    if (token === 'false') return { kind: 'false' };
    if (token === 'null') return { kind: 'null' };
    this.pos = start;
    this.fail(`Unrecognized token '${token}': ${EXPECTING_VALUE}`);
  }

  private parseNumber(): JsonNode {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (match === null) {
      this.fail(
        `Unexpected character (${describeChar(this.text[this.pos + 1] ?? ' ')}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value`,
      );
    }
    const text = match[0];
    this.pos += text.length;
    return { kind: 'number', text, value: Number(text) };
  }

  private parseString(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined)
        this.fail('Unexpected end-of-input: was expecting closing quote for a string value');
      this.pos++;
      if (ch === '"') return out;
      if (ch === '\\') {
        const esc = this.text[this.pos];
        this.pos++;
        switch (esc) {
          case '"':
          case '\\':
          case '/':
            out += esc;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = this.text.slice(this.pos, this.pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex))
              this.fail('Unexpected character in character escape sequence: expected a hex-digit');
            out += String.fromCharCode(Number.parseInt(hex, 16));
            this.pos += 4;
            break;
          }
          default:
            this.fail(`Unrecognized character escape ${describeChar(esc ?? '')}`);
        }
        continue;
      }
      if (ch < ' ')
        this.fail(
          `Illegal unquoted character (CTRL-CHAR, code ${ch.charCodeAt(0)}): has to be escaped using backslash to be included in string value`,
        );
      out += ch;
    }
  }

  private parseObject(): JsonNode {
    this.pos++;
    const entries: Array<[string, JsonNode]> = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipWhitespace();
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('Unexpected end-of-input: expected close marker for Object');
      if (ch !== '"')
        this.fail(
          `Unexpected character (${describeChar(ch)}): was expecting double-quote to start field name`,
        );
      const key = this.parseString();
      this.skipWhitespace();
      const colon = this.text[this.pos];
      if (colon !== ':') {
        if (colon === undefined) this.fail('Unexpected end-of-input: expected close marker for Object');
        this.fail(
          `Unexpected character (${describeChar(colon)}): was expecting a colon to separate field name and value`,
        );
      }
      this.pos++;
      entries.push([key, this.parseValue()]);
      this.skipWhitespace();
      const sep = this.text[this.pos];
      if (sep === ',') {
        this.pos++;
        continue;
      }
      if (sep === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      if (sep === undefined) this.fail('Unexpected end-of-input: expected close marker for Object');
      this.fail(
        `Unexpected character (${describeChar(sep)}): was expecting comma to separate Object entries`,
      );
    }
  }

  private parseArray(): JsonNode {
    this.pos++;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.parseValue());
      this.skipWhitespace();
      const sep = this.text[this.pos];
      if (sep === ',') {
        this.pos++;
        continue;
      }
      if (sep === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      if (sep === undefined) this.fail('Unexpected end-of-input: expected close marker for Array');
      this.fail(`Unexpected character (${describeChar(sep)}): was expecting comma to separate Array entries`);
    }
  }
}

/** Parses JSON text into a tree that keeps member order, duplicate keys and number text. */
export function parseJsonTree(text: string): JsonNode {
  return new Reader(text).parseDocument();
}

/** Converts an already-parsed JavaScript value into a tree (numbers get their canonical text). */
export function toJsonTree(value: unknown): JsonNode {
  if (value === null || value === undefined) return { kind: 'null' };
  if (value === true) return { kind: 'true' };
  if (value === false) return { kind: 'false' };
  if (typeof value === 'number') return { kind: 'number', text: String(value), value };
  if (typeof value === 'string') return { kind: 'string', value };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(toJsonTree) };
  if (typeof value === 'object') {
    return {
      kind: 'object',
      entries: Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonTree(v)]),
    };
  }
  return { kind: 'string', value: String(value) };
}
