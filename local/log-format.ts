/**
 * What `npm start` prints for one log line. Functions log Powertools JSON (one object a line) and
 * CloudWatch embedded metrics; on a terminal that is a wall of JSON with a second clock in it. Here a
 * structured line becomes `LEVEL message key=value…` under the local cloud's one clock, embedded
 * metrics become one short `metrics` line (hidden unless verbose), and errors and warnings stand out
 * in colour when stderr is a TTY. Pure: the CLI decides colour and verbosity.
 */

export interface LogFormat {
  /** ANSI colours (stderr is a TTY and NO_COLOR is unset). */
  color: boolean;
  /** Keep embedded-metrics lines and every Powertools key (cold_start, function_arn, …). */
  verbose: boolean;
}

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** Keys Powertools adds to every line that say nothing a local reader needs (the function is in the prefix). */
const NOISE_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
]);

/**
 * Formats `[component] rest` lines as written by the local cloud. Returns undefined for a line that is
 * hidden at this verbosity (embedded metrics).
 */
export function formatLogLine(line: string, format: LogFormat): string | undefined {
  const json = line.indexOf('{');
  let text = line;
  let severity: 'error' | 'warn' | undefined;
  if (json > 0 && line.endsWith('}')) {
    // Embedded metrics start with `_aws` (shared/adapters/metrics.ts, Powertools): hidden unparsed.
    if (!format.verbose && line.startsWith('{"_aws":', json)) return undefined;
    const parsed = parseObject(line.slice(json));
    if (parsed) {
      const prefix = line.slice(0, json);
      if ('_aws' in parsed) {
        if (!format.verbose) return undefined;
        text = `${prefix}metrics ${metricsSummary(parsed)}`;
      } else if (typeof parsed.message === 'string' || typeof parsed.level === 'string') {
        const level = String(parsed.level ?? 'INFO').toUpperCase();
        severity =
          level === 'ERROR' || level === 'CRITICAL' ? 'error' : level === 'WARN' ? 'warn' : undefined;
        text = `${prefix}${level} ${String(parsed.message ?? '')}${fields(parsed, format.verbose)}`;
      }
    }
  }
  severity ??= classify(line);
  if (!format.color) return text;
  if (severity === 'error') return `${RED}${text}${RESET}`;
  if (severity === 'warn') return `${YELLOW}${text}${RESET}`;
  if (text.includes(' metrics ')) return `${DIM}${text}${RESET}`;
  return text;
}

/** Plain-text lines of the emulators that report a failure. */
function classify(line: string): 'error' | 'warn' | undefined {
  if (/dead-letter|DeadLetter|\bstatus=5\d\d\b| -> (?!ok)|failed|Error:|error:|timed out/.test(line))
    return 'error';
  if (/\bwarning\b|\bstatus=4\d\d\b|retry|throttled/i.test(line)) return 'warn';
  return undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function fields(entry: Record<string, unknown>, verbose: boolean): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (!verbose && NOISE_KEYS.has(key)) continue;
    if (key === 'level' || key === 'message' || key === 'timestamp') continue;
    parts.push(`${key}=${typeof value === 'string' ? quoteIfNeeded(value) : JSON.stringify(value)}`);
  }
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function quoteIfNeeded(value: string): string {
  return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
}

/** `Name=value …` from a CloudWatch embedded-metrics object. */
function metricsSummary(entry: Record<string, unknown>): string {
  const aws = entry._aws as { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name?: string }> }> };
  const names = (aws.CloudWatchMetrics ?? []).flatMap((m) => (m.Metrics ?? []).map((x) => x.Name ?? ''));
  return names.map((name) => `${name}=${JSON.stringify(entry[name])}`).join(' ');
}

/**
 * One line for everything the local cloud ignores in the template, grouped by what it is, e.g.
 * `23 template settings are not emulated locally (9 CloudWatch alarms, 6 TracingConfig, …); --verbose lists them`.
 */
export function unsupportedSummary(warnings: readonly string[]): string | undefined {
  if (warnings.length === 0) return undefined;
  const groups = new Map<string, number>();
  for (const warning of warnings) {
    const type = /resource type (\S+) is not supported/.exec(warning)?.[1];
    const property = /property (\S+) of (\S+) is ignored/.exec(warning);
    const key = type
      ? `${type.split('::').slice(1).join(' ')} resources`
      : property
        ? `${property[2]?.split('::')[2] ?? ''} ${property[1]}`
        : 'other notes';
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const detail = [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${count} ${key}`)
    .join(', ');
  const noun = warnings.length === 1 ? 'template setting is' : 'template settings are';
  return `${warnings.length} ${noun} not emulated locally (${detail}); --verbose lists them`;
}
