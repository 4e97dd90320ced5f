// What the console reads: the API (as the demo partner, with its key from /config.json), the local
// emulators' snapshot endpoints, and the local SQS.

/** /config.json, loaded once at start. */
export const config = {};

export async function api(path, options = {}) {
  const headers = { ...(options.headers ?? {}) };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  if (options.method && options.method !== 'GET') headers['x-diplowire-console'] = '1';
  const response = await fetch(`/api${path}`, { ...options, headers });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, ok: response.ok, body, etag: response.headers.get('etag') };
}

export async function local(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

export async function sqs(operation, input) {
  const response = await fetch('/_local/sqs', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${operation}`,
      'x-diplowire-console': '1',
    },
    body: JSON.stringify(input),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? `${operation} failed`);
  return body;
}

/** Every event on every bus, oldest first. */
export async function busRecords() {
  const log = await local('/_local/events');
  return Object.values(log.buses ?? {})
    .flat()
    .sort((a, b) => String(a.ingestedAt).localeCompare(String(b.ingestedAt)));
}

export function problemText(result) {
  const b = result.body;
  if (b && typeof b === 'object' && b.title)
    return `${result.status} ${b.title}${b.detail ? `: ${b.detail}` : ''}${
      Array.isArray(b.errors) ? ` (${b.errors.map((e) => `${e.pointer} ${e.message}`).join('; ')})` : ''
    }`;
  return `HTTP ${result.status}`;
}
