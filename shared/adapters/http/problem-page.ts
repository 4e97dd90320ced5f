import { PROBLEM_TYPES, type ProblemSlug, problemTypeUri } from '../../contracts/api/problem-types';
import { NotFoundError } from '../../domain/errors';
import type { HttpEvent, HttpResponse } from './types';

/**
 * The documentation of a problem type, served where its `type` URI points (`GET /problems/{slug}`,
 * no API key), so that every problem an API response carries resolves to a page that explains it.
 */
export async function problemPage(event: HttpEvent): Promise<HttpResponse> {
  const slug = event.pathParameters?.slug ?? '';
  if (!Object.hasOwn(PROBLEM_TYPES, slug)) throw new NotFoundError(`There is no problem type '${slug}'.`);
  const { status, title, when, fix } = PROBLEM_TYPES[slug as ProblemSlug];
  const others = (Object.keys(PROBLEM_TYPES) as ProblemSlug[])
    .map(
      (other) => `<li><a href="${other}">${problemTypeUri(other)}</a> (${PROBLEM_TYPES[other].status})</li>`,
    )
    .join('');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${problemTypeUri(slug as ProblemSlug)}: ${html(title)}</title></head>
<body><main><h1><code>${problemTypeUri(slug as ProblemSlug)}</code></h1>
<p><strong>${html(title)}</strong> (HTTP ${status}), an RFC 9457 problem type of the Diplowire API.</p>
<h2>When</h2><p>${html(when)}</p><h2>What to do</h2><p>${html(fix)}</p>
<h2>Every problem type</h2><ul>${others}</ul></main></body></html>
`;
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      'content-security-policy': "default-src 'none'",
    },
    body,
  };
}

/** Escapes the text and renders its `code` spans. */
function html(text: string): string {
  return text
    .replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}
