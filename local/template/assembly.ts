import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CfnTemplate } from './types';

/** One `aws:cloudformation:stack` artifact of a cloud assembly (`cdk.out`). */
export interface AssemblyStack {
  /** Artifact id in `manifest.json` (usually equals the stack name). */
  artifactId: string;
  stackName: string;
  templateFile: string;
  template: CfnTemplate;
  /** Artifact ids of the stacks that must be deployed first. */
  dependsOnStacks: string[];
  /** Construct path (e.g. `/Diplowire-dev-Api/ItemsWrite/Resource`) by logical id, for readable logs. */
  constructPaths: Record<string, string>;
  /** File assets of this stack by asset hash: absolute source path and packaging. */
  assets: Record<string, { path: string; packaging: string }>;
}

export interface Assembly {
  dir: string;
  /** Stacks in deployment order: every stack comes after the stacks it depends on. */
  stacks: AssemblyStack[];
  stack(nameOrArtifactId: string): AssemblyStack;
}

export type FunctionCode =
  | { kind: 'directory'; dir: string; assetHash?: string }
  | { kind: 'inline'; source: string }
  | { kind: 'unavailable'; reason: string };

export class AssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

interface ManifestArtifact {
  type: string;
  properties?: Record<string, unknown>;
  dependencies?: string[];
  metadata?: Record<string, Array<{ type: string; data?: unknown }>>;
  additionalMetadataFile?: string;
  displayName?: string;
}

/** Reads a synthesized cloud assembly: `manifest.json`, each stack template and its asset manifest. */
export function loadAssembly(cdkOutDir: string): Assembly {
  const dir = resolve(cdkOutDir);
  const artifacts = collectArtifacts(dir);
  const stacks = new Map<string, AssemblyStack>();
  for (const { id, artifact, baseDir } of artifacts) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const props = artifact.properties ?? {};
    const templateFile = join(baseDir, String(props.templateFile ?? `${id}.template.json`));
    const template = readJson<CfnTemplate>(templateFile);
    if (!template.Resources) throw new AssemblyError(`${templateFile} has no Resources`);
    stacks.set(id, {
      artifactId: id,
      stackName: typeof props.stackName === 'string' ? props.stackName : id,
      templateFile,
      template,
      dependsOnStacks: [],
      constructPaths: constructPaths(template, artifact, baseDir),
      assets: fileAssets(baseDir, artifacts, artifact.dependencies ?? []),
    });
  }
  if (stacks.size === 0) throw new AssemblyError(`${dir}/manifest.json lists no CloudFormation stacks`);

  // Dependencies may go through non-stack artifacts (asset manifests); keep only stack-to-stack edges.
  const byId = new Map(artifacts.map((entry) => [entry.id, entry.artifact]));
  for (const stack of stacks.values()) {
    const found = new Set<string>();
    const walk = (ids: string[], seen: Set<string>) => {
      for (const dep of ids) {
        if (seen.has(dep)) continue;
        seen.add(dep);
        if (stacks.has(dep)) found.add(dep);
        else walk(byId.get(dep)?.dependencies ?? [], seen);
      }
    };
    walk(byId.get(stack.artifactId)?.dependencies ?? [], new Set());
    stack.dependsOnStacks = [...found];
  }

  const ordered = deploymentOrder(stacks);
  return {
    dir,
    stacks: ordered,
    stack(name) {
      const found = ordered.find((s) => s.stackName === name || s.artifactId === name);
      if (!found) throw new AssemblyError(`no stack ${name} in ${dir}`);
      return found;
    },
  };
}

/**
 * Where the code of an `AWS::Lambda::Function` lives locally. CDK uploads `asset.<hash>/` as `<hash>.zip`;
 * the asset manifest (`<stack>.assets.json`) confirms which directory an S3 key came from.
 */
export function functionCode(stack: AssemblyStack, code: unknown, assemblyDir: string): FunctionCode {
  if (typeof code !== 'object' || code === null) return { kind: 'unavailable', reason: 'no Code property' };
  const { S3Key, ZipFile, ImageUri } = code as Record<string, unknown>;
  if (typeof ZipFile === 'string') return { kind: 'inline', source: ZipFile };
  if (ImageUri !== undefined)
    return { kind: 'unavailable', reason: 'container image functions are not supported' };
  if (typeof S3Key !== 'string') return { kind: 'unavailable', reason: 'Code.S3Key is not a plain string' };
  const hash = S3Key.replace(/\.zip$/, '');
  const asset = stack.assets[hash];
  const dir = asset ? asset.path : join(assemblyDir, `asset.${hash}`);
  if (asset && asset.packaging !== 'zip') {
    return {
      kind: 'unavailable',
      reason: `asset ${hash} is packaged as ${asset.packaging}, not a directory`,
    };
  }
  if (!existsSync(dir))
    return { kind: 'unavailable', reason: `asset directory ${dir} does not exist (run cdk synth)` };
  return { kind: 'directory', dir, assetHash: hash };
}

function collectArtifacts(dir: string): Array<{ id: string; artifact: ManifestArtifact; baseDir: string }> {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new AssemblyError(`${manifestFile} not found (run cdk synth first)`);
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestFile);
  const out: Array<{ id: string; artifact: ManifestArtifact; baseDir: string }> = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    out.push({ id, artifact, baseDir: dir });
    // CDK Stages synthesize into nested assemblies (`assembly-<stage>/`).
    if (artifact.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      out.push(...collectArtifacts(join(dir, artifact.properties.directoryName)));
    }
  }
  return out;
}

function fileAssets(
  baseDir: string,
  artifacts: Array<{ id: string; artifact: ManifestArtifact; baseDir: string }>,
  dependencies: string[],
): Record<string, { path: string; packaging: string }> {
  const assets: Record<string, { path: string; packaging: string }> = {};
  for (const dep of dependencies) {
    const entry = artifacts.find((a) => a.id === dep && a.artifact.type === 'cdk:asset-manifest');
    const file = entry?.artifact.properties?.file;
    if (typeof file !== 'string') continue;
    const manifest = readJson<{ files?: Record<string, { source?: { path?: string; packaging?: string } }> }>(
      join(entry!.baseDir, file),
    );
    for (const [hash, asset] of Object.entries(manifest.files ?? {})) {
      if (!asset.source?.path) continue;
      assets[hash] = {
        path: resolve(baseDir, asset.source.path),
        packaging: asset.source.packaging ?? 'file',
      };
    }
  }
  return assets;
}

function constructPaths(
  template: CfnTemplate,
  artifact: ManifestArtifact,
  baseDir: string,
): Record<string, string> {
  const paths: Record<string, string> = {};
  // Newer CDK versions move artifact metadata to a side file; older ones inline it in the manifest.
  const metadata = { ...(artifact.metadata ?? {}) };
  if (artifact.additionalMetadataFile) {
    const file = join(baseDir, artifact.additionalMetadataFile);
    if (existsSync(file)) Object.assign(metadata, readJson<typeof metadata>(file));
  }
  for (const [path, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') paths[entry.data] = path;
    }
  }
  // `aws:cdk:path` on the resource itself (present when synthesized with path metadata) wins.
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const path = resource.Metadata?.['aws:cdk:path'];
    if (typeof path === 'string') paths[logicalId] = path.startsWith('/') ? path : `/${path}`;
  }
  return paths;
}

function deploymentOrder(stacks: Map<string, AssemblyStack>): AssemblyStack[] {
  const ordered: AssemblyStack[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new AssemblyError(`stack dependency cycle through ${id}`);
    state.set(id, 'visiting');
    const stack = stacks.get(id)!;
    for (const dep of stack.dependsOnStacks) visit(dep);
    state.set(id, 'done');
    ordered.push(stack);
  };
  for (const id of stacks.keys()) visit(id);
  return ordered;
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new AssemblyError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A readable name for a resource: its construct path without the stack prefix and `/Resource`. */
export function displayName(stack: AssemblyStack, logicalId: string): string {
  const path = stack.constructPaths[logicalId];
  if (!path) return logicalId;
  return path
    .replace(/^\/+/, '')
    .replace(/\/(Resource|Default)$/, '')
    .replace(`${stack.artifactId}/`, '');
}
