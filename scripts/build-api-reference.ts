/**
 * Builds the rendered API reference: a static folder (index.html, the vendored Redoc bundle,
 * openapi.json and the event catalog, events.html) that any static host can publish, and that the local cloud serves at `<console>/docs`.
 *
 *   npm run docs:build [-- --out dist/api-reference] [--server https://api.example.org]
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderEventCatalogHtml } from './event-catalog';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Redoc's standalone bundle (MIT, see vendor/redoc/LICENSE and docs/dependencies.md). */
const REDOC = join(ROOT, 'vendor', 'redoc', 'redoc.standalone.js');
const OPENAPI = join(ROOT, 'docs', 'openapi.json');

export interface ApiReferenceOptions {
  /** Where the API is served (OpenAPI `servers`), e.g. the local API URL; the document's own when absent. */
  servers?: Array<{ url: string; description?: string }>;
}

/** Writes the reference into `outDir` and returns the files written. */
export function buildApiReference(outDir: string, options: ApiReferenceOptions = {}): string[] {
  mkdirSync(outDir, { recursive: true });
  const document = JSON.parse(readFileSync(OPENAPI, 'utf8')) as Record<string, unknown>;
  if (options.servers) document.servers = options.servers;
  const title = String((document.info as { title?: string } | undefined)?.title ?? 'API reference');
  copyFileSync(REDOC, join(outDir, 'redoc.standalone.js'));
  copyFileSync(join(ROOT, 'vendor', 'redoc', 'LICENSE'), join(outDir, 'redoc.LICENSE.txt'));
  writeFileSync(join(outDir, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(join(outDir, 'events.html'), renderEventCatalogHtml());
  // No inline script: the page works under a strict Content-Security-Policy.
  // Redoc 3's bundle is an ES module; no inline script, so the page works under a strict CSP.
  writeFileSync(
    join(outDir, 'init.js'),
    "import { init } from './redoc.standalone.js';\n" +
      // disableTelemetry: Redoc 3 otherwise sends usage traces to otel.cloud.redocly.com from the reader's browser.
      "init('openapi.json', { expandResponses: '200,201,202', jsonSampleExpandLevel: 3, disableTelemetry: true }, document.getElementById('reference'));\n",
  );
  writeFileSync(
    join(outDir, 'index.html'),
    `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)} reference</title>
    <style>
      body { margin: 0; }
      nav { font: 14px/1.5 system-ui, sans-serif; padding: 0.4rem 1rem; border-bottom: 1px solid #ddd; }
      nav a { color: #0645ad; }
    </style>
  </head>
  <body>
    <noscript>This reference needs JavaScript; the raw document is <a href="openapi.json">openapi.json</a>.</noscript>
    <nav aria-label="Reference"><a href="events.html">Event catalog</a> · <a href="openapi.json">openapi.json</a></nav>
    <div id="reference"></div>
    <script type="module" src="init.js"></script>
  </body>
</html>
`,
  );
  return ['index.html', 'init.js', 'openapi.json', 'events.html', 'redoc.standalone.js', 'redoc.LICENSE.txt'];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'dist/api-reference' },
      server: { type: 'string', multiple: true },
    },
  });
  const servers = values.server?.map((url) => ({ url }));
  const files = buildApiReference(values.out, servers ? { servers } : {});
  console.log(`Wrote ${files.join(', ')} to ${values.out}`);
}
