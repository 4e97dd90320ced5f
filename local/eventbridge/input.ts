/**
 * Target input shaping as EventBridge does it: `Input` (constant JSON), `InputPath` (a JSONPath into the
 * event) or `InputTransformer` (values picked by JSONPath, substituted into a template).
 */

export class InputTransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputTransformError';
  }
}

/** Resolves the simple JSONPath subset EventBridge accepts: `$`, `$.a.b`, `$['a-b']`, `$.list[0]`. */
export function selectPath(root: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new InputTransformError(`Invalid JSONPath: ${path}`);
  const steps: Array<string | number> = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const start = pattern.lastIndex;
    const m = pattern.exec(path);
    if (m === null || m.index !== start) throw new InputTransformError(`Invalid JSONPath: ${path}`);
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push((m[3] ?? m[4]) as string);
  }
  let current: unknown = root;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

export interface TransformContext {
  event: Record<string, unknown>;
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;

/** Renders an input template. Inside a JSON string a value is inserted as escaped text, elsewhere as JSON. */
export function renderTemplate(
  template: string,
  pathsMap: Record<string, string>,
  context: TransformContext,
): string {
  const values = new Map<string, { value: unknown; rawJson?: string }>();
  for (const [name, path] of Object.entries(pathsMap)) {
    if (name.startsWith('aws.')) throw new InputTransformError(`InputPathsMap name ${name} is reserved`);
    values.set(name, { value: selectPath(context.event, path) });
  }
  const eventJson = JSON.stringify(context.event);
  values.set('aws.events.rule-arn', { value: context.ruleArn });
  values.set('aws.events.rule-name', { value: context.ruleName });
  values.set('aws.events.event.ingestion-time', { value: context.ingestionTime });
  values.set('aws.events.event', { value: context.event, rawJson: eventJson });
  values.set('aws.events.event.json', { value: eventJson });

  let out = '';
  let inString = false;
  let i = 0;
  while (i < template.length) {
    const ch = template[i] as string;
    if (ch === '\\' && inString) {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '"') {
      inString = !inString;
      out += ch;
      i++;
      continue;
    }
    if (ch === '<') {
      PLACEHOLDER.lastIndex = i;
      const m = PLACEHOLDER.exec(template);
      const entry = m !== null && m.index === i ? values.get(m[1] as string) : undefined;
      if (m !== null && m.index === i && entry !== undefined) {
        out += inString ? insideString(entry.value) : (entry.rawJson ?? asJson(entry.value));
        i += m[0].length;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

function asJson(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function insideString(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}

export interface TargetInputSpec {
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
}

/** The payload a target receives for an event. */
export function targetPayload(target: TargetInputSpec, context: TransformContext): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) return asJson(selectPath(context.event, target.inputPath));
  if (target.inputTransformer !== undefined) {
    return renderTemplate(
      target.inputTransformer.inputTemplate,
      target.inputTransformer.inputPathsMap ?? {},
      context,
    );
  }
  return JSON.stringify(context.event);
}
