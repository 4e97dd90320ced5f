/**
 * Runs any CDK app's synthesized templates on the local cloud, with nothing app-specific:
 *   npx tsx local/cli.ts --cdk-out <dir> [options]   (--help lists them)
 * Diplowire's own `npm start` is scripts/start-local.ts, which adds its demo partner and API reference.
 */
import { runLocalCli } from './run-cli';

runLocalCli({ title: 'Local cloud', command: 'npx tsx local/cli.ts' });
