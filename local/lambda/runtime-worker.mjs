// The local stand-in for the Lambda runtime interface client. One worker thread = one execution environment:
// it imports the bundled handler once (Init), then serves invocations one at a time (like a real sandbox).
// Plain JavaScript on purpose: it runs in a bare worker thread, without the TypeScript loader of the parent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const {
  codeDir,
  handler: handlerString,
  functionName,
  functionVersion,
  functionArn,
  memoryMb,
  logGroup,
  logStream,
} = workerData;

let currentRequestId;

// The function's output rides on the worker's next message to the parent (mostly the invocation's
// result) instead of Node's worker stdio streams, which exchange two messages between the threads
// for every write: under a flood of short invocations that exchange cost ~10% of the local cloud's
// main thread. Output written with no message coming (at Init, from a timer, in a
// long invocation) goes out on its own within OUTPUT_FLUSH_MS.
const OUTPUT_FLUSH_MS = 50;
/** What was written since the last message, in order: [stream, text] pairs. */
let output = [];
let outputTimer;

function capture(name) {
  process[name].write = (chunk, encoding, callback) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    // As Node's write: a string in the encoding given (UTF-8 by default), anything else as bytes.
    const text =
      typeof chunk !== 'string'
        ? Buffer.from(chunk).toString('utf8')
        : typeof encoding === 'string' && !/^utf-?8$/i.test(encoding)
          ? Buffer.from(chunk, encoding).toString('utf8')
          : chunk;
    const last = output.at(-1);
    if (last?.[0] === name) last[1] += text;
    else output.push([name, text]);
    outputTimer ??= setTimeout(() => post({ type: 'output' }), OUTPUT_FLUSH_MS);
    if (done) process.nextTick(done);
    return true;
  };
}
capture('stdout');
capture('stderr');

/** Every message to the parent goes through here, carrying the output written since the last one. */
function post(message) {
  clearTimeout(outputTimer);
  outputTimer = undefined;
  if (output.length === 0) return parentPort.postMessage(message);
  parentPort.postMessage({ ...message, output });
  output = [];
}

// A rejection nobody handles or an exception thrown from a callback makes the real runtime exit the sandbox.
process.on('unhandledRejection', (reason) => fatal('Runtime.UnhandledPromiseRejection', reason));
process.on('uncaughtException', (error) => fatal(error?.name ?? 'Error', error));

function fatal(errorType, reason) {
  post({
    type: 'fatal',
    requestId: currentRequestId,
    errorType,
    errorMessage: reason instanceof Error ? reason.message : String(reason),
    stack: reason instanceof Error ? reason.stack : undefined,
  });
  process.exit(1);
}

function describe(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, stack: error.stack };
  }
  // Lambda reports a thrown non-Error value as a string.
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}

async function loadHandler() {
  // `src/index.handler` => module `src/index`, export `handler`.
  const dot = handlerString.lastIndexOf('.');
  if (dot <= 0) {
    return {
      error: { errorType: 'Runtime.MalformedHandlerName', errorMessage: `Bad handler ${handlerString}` },
    };
  }
  const modulePath = handlerString.slice(0, dot);
  const exportName = handlerString.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(codeDir, `${modulePath}${ext}`)).find(existsSync);
  if (!file) {
    return {
      error: {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `Error: Cannot find module '${modulePath}' in ${codeDir}`,
      },
    };
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const described = describe(error);
    if (error instanceof SyntaxError) described.errorType = 'Runtime.UserCodeSyntaxError';
    return { error: described };
  }
  const fn = module[exportName] ?? module.default?.[exportName];
  if (typeof fn !== 'function') {
    return {
      error: {
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: `${handlerString} is undefined or not exported`,
      },
    };
  }
  return { fn };
}

function invoke(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, value) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(value);
    };
    try {
      // Callback-style handlers take three parameters; async ones return a promise.
      const returned = fn.length >= 3 ? fn(event, context, callback) : fn(event, context);
      if (returned && typeof returned.then === 'function') returned.then((v) => callback(null, v), callback);
      else if (fn.length < 3) callback(null, returned);
    } catch (error) {
      callback(error);
    }
  });
}

const started = performance.now();
const loaded = await loadHandler();
post(
  loaded.error
    ? { type: 'init-error', ...loaded.error }
    : { type: 'ready', initDurationMs: Math.round((performance.now() - started) * 100) / 100 },
);

if (loaded.fn) {
  parentPort.on('message', async (message) => {
    if (message.type !== 'invoke') return;
    currentRequestId = message.requestId;
    const context = {
      awsRequestId: message.requestId,
      functionName,
      functionVersion,
      invokedFunctionArn: functionArn,
      memoryLimitInMB: String(memoryMb),
      logGroupName: logGroup,
      logStreamName: logStream,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    };
    try {
      const value = await invoke(loaded.fn, JSON.parse(message.event), context);
      // Lambda hands the result back as JSON: undefined becomes null, class instances plain objects.
      let payload;
      try {
        payload = JSON.stringify(value === undefined ? null : value);
      } catch (error) {
        post({
          type: 'error',
          requestId: message.requestId,
          errorType: 'Runtime.MarshalError',
          errorMessage: `Unable to stringify response body: ${error.message}`,
        });
        return;
      }
      post({ type: 'result', requestId: message.requestId, payload });
    } catch (error) {
      post({ type: 'error', requestId: message.requestId, ...describe(error) });
    }
  });
}
