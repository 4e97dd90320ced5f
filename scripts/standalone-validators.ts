/**
 * Shared by the generators of standalone ajv validators (ninjs items, event details): Lambdas
 * import generated validation code instead of shipping the ajv compiler (or zod) and compiling
 * schemas at cold start.
 */
import Ajv2020, { type Options } from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import addFormats from 'ajv-formats';
import { fullFormats as vendoredFormats } from '#shared/contracts/formats.ts';
import { errorMessages } from '#shared/contracts/validation-runtime.ts';

/**
 * An ajv 2020 instance that emits ESM source, with the ajv-formats formats. Every error is
 * collected (`allErrors`) so callers can report all problems at once.
 */
export function createStandaloneAjv(options: Omit<Options, 'code'> = {}): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    ...options,
    code: { source: true, esm: true, lines: true },
  });
  addFormats(ajv);
  return ajv;
}

/** The module ajv's code `require`s for format functions (`fullFormats`, since ajv-formats is in full mode). */
const FORMATS_MODULE = 'ajv-formats/dist/formats';
const FORMATS_EXPRESSION = `require("${FORMATS_MODULE}").fullFormats`;
/** Generated modules live in shared/contracts/generated; the formats they need, in shared/contracts. */
const VENDORED_FORMATS_IMPORT = '../formats';

/**
 * ajv's standalone code `require`s ajv-formats, a CommonJS module holding every format. Point it at
 * `shared/contracts/formats.ts` instead, which carries the formats the schemas use (copied from
 * ajv-formats), as an ES module. Refuses a format that module lacks and any other runtime dependency.
 */
export function requiresToImports(code: string): string {
  const specifiers = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!));
  for (const specifier of specifiers) {
    if (specifier !== FORMATS_MODULE)
      throw new Error(`unexpected runtime dependency in generated code: ${specifier}`);
  }
  const body = code.replace(/^"use strict";/, '');
  if (specifiers.size === 0) return body;
  const formats = [...body.matchAll(/require\("[^"]+"\)(\.\w+)?(?:\.(\w+)|\["([^"]+)"\])?/g)].map((match) => {
    if (match[1] !== '.fullFormats') throw new Error(`unexpected use of ajv-formats: ${match[0]}`);
    return match[2] ?? match[3] ?? '';
  });
  for (const format of formats) {
    if (!Object.hasOwn(vendoredFormats, format)) {
      throw new Error(`format "${format}" is not in shared/contracts/formats.ts: copy it from ajv-formats`);
    }
  }
  return [
    `import { fullFormats } from "${VENDORED_FORMATS_IMPORT}";`,
    body.split(FORMATS_EXPRESSION).join('fullFormats'),
  ].join('\n');
}

/** Standalone ESM code exporting one validator per entry of `exports` (export name -> schema id). */
export function standaloneEsm(ajv: Ajv2020, exports: Record<string, string>): string {
  return withoutUnusedContext(
    compactErrorSites(hoistSchemaReferences(requiresToImports(standaloneCode(ajv, exports)))),
  );
}

/** Where the generated modules (in shared/contracts/generated) find `reportError` and `appendErrors`. */
const RUNTIME_IMPORT = 'import { appendErrors, reportError } from "../validation-runtime";';

/** Keywords with a runtime message; generation fails on any other, so no error loses its message. */
const KNOWN_MESSAGE_KEYWORDS = new Set(Object.keys(errorMessages));

/**
 * One ajv error site, as ajv 8 emits it in `allErrors` mode with `code.lines`: the error object
 * literal (`instancePath` in shorthand at the schema's own level), the append to `vErrors`, the count.
 */
const ERROR_SITE =
  /const (err\d+) = \{instancePath(?::(.*?))?,schemaPath:("(?:[^"\\]|\\.)*"),keyword:"(\w+)",params:(.*?),message:(.*)\};\nif\(vErrors === null\)\{\nvErrors = \[\1\];\n\}\nelse \{\nvErrors\.push\(\1\);\n\}\nerrors\+\+;/g;

/**
 * ajv writes each of its ~360 error sites out in full (an object literal with its message, then the
 * append), which is most of the generated code. Each becomes one call to `reportError`, with the
 * message built from the params at runtime (ajv's wording, in shared/contracts/validation-runtime.ts) and the keyword
 * read from the schema path, which is written shorter: two fifths less code in every bundle that
 * validates, and the same errors. Where the message is a literal, generation checks that the runtime
 * message would equal it.
 */
export function compactErrorSites(code: string): string {
  let sites = 0;
  // The params literals that hold no variable (e.g. `{type: "string"}`), each once, as a constant.
  const paramsConstants = new Map<string, string>();
  const paramsConstant = (literal: string) => {
    let name = paramsConstants.get(literal);
    if (name === undefined) {
      name = `errorParams${paramsConstants.size}`;
      paramsConstants.set(literal, name);
    }
    return name;
  };
  const compacted = code
    .replace(
      ERROR_SITE,
      (
        _site,
        _name,
        instancePath: string | undefined,
        schemaPath: string,
        keyword: string,
        params: string,
        message: string,
      ) => {
        if (!KNOWN_MESSAGE_KEYWORDS.has(keyword)) {
          throw new Error(
            `no runtime message for ajv keyword "${keyword}": add it to shared/contracts/validation-runtime.ts`,
          );
        }
        assertSameMessage(keyword, params, message);
        sites++;
        const sharedParams = literalObject(params) === undefined ? params : paramsConstant(params);
        return `vErrors = reportError(vErrors, ${instancePath ?? 'instancePath'}, ${compactSchemaPath(schemaPath, keyword)}, ${sharedParams});\nerrors++;`;
      },
    )
    .replace(CALLED_ERRORS, 'vErrors = appendErrors(vErrors, $1);');
  const left = compacted.match(/keyword:"\w+"/);
  if (left) throw new Error(`an ajv error site was not compacted (${left[0]}): its form changed`);
  if (sites === 0) return compacted;
  const constants = [...paramsConstants].map(([literal, name]) => `const ${name} = ${literal};`);
  return withDeclarations(compacted, constants, RUNTIME_IMPORT);
}

/** `code` with `declarations` (after an import, if any) before its first statement, below its imports and comments. */
function withDeclarations(code: string, declarations: readonly string[], importLine?: string): string {
  const lines = importLine === undefined ? declarations : [importLine, ...declarations];
  if (lines.length === 0) return code;
  const firstStatement = code.search(/^(export |const |function )/m);
  return `${code.slice(0, firstStatement)}${lines.join('\n')}\n${code.slice(firstStatement)}`;
}

/** ajv's append of a called validator's errors (`validate3.errors`, `wrapper0.validate.errors`). */
const CALLED_ERRORS = /vErrors = vErrors === null \? ([\w$.]+\.errors) : vErrors\.concat\(\1\);/g;

/** The value of an object literal whose members are all literals (`{type: "string"}`, `{}`), else undefined. */
function literalObject(source: string): Record<string, unknown> | undefined {
  const members = /^\{(.*)\}$/.exec(source)?.[1];
  if (members === undefined) return undefined;
  const value: Record<string, unknown> = {};
  for (const member of members.split(/,\s*(?=\w+:)/).filter(Boolean)) {
    const [, name, literal] = /^(\w+):\s*(.*)$/.exec(member) ?? [];
    if (name === undefined || literal === undefined || !LITERAL.test(literal)) return undefined;
    value[name] = JSON.parse(literal);
  }
  return value;
}

/** The schema path literal as `reportError` takes it; refuses one it could not restore exactly. */
function compactSchemaPath(literal: string, keyword: string): string {
  const schemaPath = JSON.parse(literal) as string;
  if (schemaPath.includes('$'))
    throw new Error(`schema path ${schemaPath} holds "$", reportError's shorthand`);
  if (!schemaPath.endsWith(`/${keyword}`)) {
    throw new Error(`schema path ${schemaPath} does not end with its keyword ${keyword}`);
  }
  if (!schemaPath.startsWith('#/')) throw new Error(`schema path ${schemaPath} does not start with #/`);
  return JSON.stringify(schemaPath.slice(1).replaceAll('/properties/', '$'));
}

const LITERAL = /^(?:"(?:[^"\\]|\\.)*"|[-\d.e+]+|true|false|null)$/;

/** Where params and message are literals, the runtime message must equal ajv's. */
function assertSameMessage(keyword: string, paramsSource: string, messageSource: string): void {
  const params = literalObject(paramsSource);
  if (params === undefined) return;
  const parts = messageSource.split('+');
  if (!parts.every((part) => LITERAL.test(part))) return;
  const expected = parts.map((part) => String(JSON.parse(part))).join('');
  const actual = errorMessages[keyword]!(params);
  if (actual !== expected) {
    throw new Error(`runtime message for "${keyword}" is "${actual}", ajv says "${expected}"`);
  }
}

/**
 * ajv embeds a whole schema object (tens of KB for ninjs) when code reads a few values from it, such
 * as an enum's allowed values for the error params. Each such read becomes a small module-level
 * constant holding just that value, and the embedded schemas nothing reads any more are dropped.
 */
export function hoistSchemaReferences(code: string): string {
  const schemas = new Map<string, unknown>();
  for (const [, name, json] of code.matchAll(/^const (schema\d+) = (.*);$/gm)) {
    schemas.set(name!, JSON.parse(json!));
  }
  const hoisted = new Map<string, { constant: string; value: unknown }>();
  let body = code.replace(
    /\b(schema\d+)((?:\.[A-Za-z_$][\w$]*|\[\d+\])+)/g,
    (reference, name: string, path: string) => {
      if (!schemas.has(name)) return reference;
      // Follow the path while it names the schema's own members; what follows (`.includes`) is code.
      let value: unknown = schemas.get(name);
      let read = name;
      for (const [token, property, index] of path.matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]/g)) {
        const key = property ?? index!;
        if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) break;
        value = (value as Record<string, unknown>)[key];
        read += token;
      }
      if (read === name) throw new Error(`${reference} reads no member of the embedded schema`);
      let entry = hoisted.get(read);
      if (entry === undefined) {
        entry = { constant: `schemaValue${hoisted.size}`, value };
        hoisted.set(read, entry);
      }
      return entry.constant + reference.slice(read.length);
    },
  );
  for (const name of schemas.keys()) {
    const stillRead = new RegExp(`\\b${name}\\b(?! = )`).test(body);
    if (!stillRead) body = body.replace(new RegExp(`^const ${name} = .*;\\n?`, 'm'), '');
  }
  return withDeclarations(
    body,
    [...hoisted.values()].map(({ constant, value }) => `const ${constant} = ${JSON.stringify(value)};`),
  );
}

/** The data context ajv passes to every validator function it calls, and the signature that takes it. */
const CONTEXT_ARGUMENT =
  /\{instancePath:(.*?),parentData:[\w$]+,parentDataProperty:(?:"[^"]*"|[\w$]+),rootData,dynamicAnchors\}/g;
/** The same context passed on unchanged (a `$ref` applied at the schema's own level). */
const CONTEXT_PASSED_ON = '{instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}';
const CONTEXT_PARAMETERS =
  '{instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}';
const CONTEXT_NAMES = /\b(parentData|parentDataProperty|rootData|dynamicAnchors)\b/;

/**
 * ajv hands each validator it calls the parent data, the root data and the dynamic anchors, which
 * only `$data` references and `$dynamicRef` read. When no code reads them, calls pass just the
 * instance path, as a plain second argument (`validate(data)` still works: it defaults to "").
 * Left unchanged if anything else would still refer to them.
 */
export function withoutUnusedContext(code: string): string {
  const compacted = code
    .replace(CONTEXT_ARGUMENT, '$1')
    .split(CONTEXT_PASSED_ON)
    .join('instancePath')
    .split(CONTEXT_PARAMETERS)
    .join('instancePath=""');
  return CONTEXT_NAMES.test(compacted) || compacted.includes('{instancePath') ? code : compacted;
}
