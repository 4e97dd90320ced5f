/**
 * The local cloud's public API: what an application (or a test) may use. Everything else under local/
 * is internal to it. See local/README.md.
 */
export type { LocalCloud, LocalCloudOptions, LocalCloudPorts, LocalEndpoints } from './cloud';
export { startLocalCloud } from './cloud';
export type { AfterStartContext, AppAdditions, LocalApp } from './run-cli';
export { runLocalCli } from './run-cli';
export { writePrivateFile } from './support/private-files';
export { ensureSynth } from './synth';
