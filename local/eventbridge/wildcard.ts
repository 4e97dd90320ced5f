/**
 * Wildcard patterns (`*` matches any run of characters, `\*` and `\\` are literal). Error positions are
 * byte offsets into the value as AWS sees it internally, i.e. wrapped in the JSON string's quotes.
 */

const STAR = Symbol('star');
type Token = string | typeof STAR;

export interface CompiledWildcard {
  source: string;
  regex: RegExp;
  tokens: Token[];
}

/**
 * Highest number of simultaneously live automaton states a wildcard may reach (see `complexityOf`).
 * AWS does not publish its limit; this value is calibrated on recorded AWS answers: six wildcards joined by a
 * repeated separator (13) are rejected, the documented ARN and path examples (5 and 8) are accepted.
 */
export const MAX_WILDCARD_COMPLEXITY = 12;

const utf8 = new TextEncoder();

function bytePosition(value: string, charIndex: number): number {
  // +1 for the opening quote AWS prepends before it walks the bytes.
  return utf8.encode(value.slice(0, charIndex)).length + 1;
}

export function tokenizeWildcard(value: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(value);
  let charIndex = 0;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      if (chars[i + 1] === '*')
        throw new Error(`Consecutive wildcard characters at pos ${bytePosition(value, charIndex)}`);
      tokens.push(STAR);
    } else if (ch === '\\') {
      const next = chars[i + 1];
      // A trailing backslash would escape the closing quote, so it is an invalid escape too.
      if (next !== '*' && next !== '\\')
        throw new Error(`Invalid escape character at pos ${bytePosition(value, charIndex)}`);
      tokens.push(next);
      i++;
      charIndex += next.length;
    } else {
      tokens.push(ch);
    }
    charIndex += ch.length;
  }
  return tokens;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Worst-case number of automaton states a single input can keep alive at once. AWS rejects wildcard
 * patterns whose repeated sequences after a wildcard make matching expensive; this measures the same thing
 * on the pattern's NFA (exploring every distinct input character plus "anything else").
 */
export function complexityOf(tokens: Token[]): number {
  const alphabet = new Set<string>(tokens.filter((t): t is string => t !== STAR));
  alphabet.add('\u0000'); // stands for every character the pattern does not mention
  const close = (states: Set<number>): Set<number> => {
    const out = new Set(states);
    for (const s of [...out].sort((a, b) => a - b)) {
      let i = s;
      while (tokens[i] === STAR && !out.has(i + 1)) {
        out.add(i + 1);
        i++;
      }
    }
    return out;
  };
  const key = (states: Set<number>) => [...states].sort((a, b) => a - b).join(',');
  const start = close(new Set([0]));
  const seen = new Set([key(start)]);
  const queue = [start];
  let max = start.size;
  let explored = 0;
  while (queue.length > 0 && explored < 5000) {
    explored++;
    const current = queue.shift() as Set<number>;
    for (const ch of alphabet) {
      const next = new Set<number>();
      for (const s of current) {
        const token = tokens[s];
        if (token === STAR) next.add(s);
        else if (token === ch) next.add(s + 1);
      }
      if (next.size === 0) continue;
      const closed = close(next);
      const k = key(closed);
      if (seen.has(k)) continue;
      seen.add(k);
      max = Math.max(max, closed.size);
      queue.push(closed);
    }
  }
  return max;
}

export function compileWildcard(value: string): CompiledWildcard {
  const tokens = tokenizeWildcard(value);
  if (complexityOf(tokens) > MAX_WILDCARD_COMPLEXITY) {
    throw new Error(
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    );
  }
  const body = tokens.map((t) => (t === STAR ? '[\\s\\S]*' : escapeRegex(t))).join('');
  return { source: value, tokens, regex: new RegExp(`^${body}$`, 'u') };
}
