import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AssemblyError,
  displayName,
  functionCode,
  loadAssembly,
  resolveAssembly,
  TemplateError,
} from '#local/template/index.ts';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/local/assembly');
const HASH = '4f2a9c0e7d1b3a5f6e8c9d0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';

describe('loadAssembly', () => {
  it('reads the stacks in deployment order (producer first, whatever the manifest order)', () => {
    const assembly = loadAssembly(FIXTURE);
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['Demo-dev-Data', 'Demo-dev-Api']);
    expect(assembly.stack('Demo-dev-Api').dependsOnStacks).toEqual(['Demo-dev-Data']);
    expect(assembly.stack('Demo-dev-Api').template.Resources.Echo1F2C3D4E!.Type).toBe(
      'AWS::Lambda::Function',
    );
  });

  it('maps logical ids to construct paths from inline and side-file metadata', () => {
    const assembly = loadAssembly(FIXTURE);
    const api = assembly.stack('Demo-dev-Api');
    expect(api.constructPaths.Echo1F2C3D4E).toBe('/Demo-dev-Api/Echo/Resource');
    expect(displayName(api, 'Echo1F2C3D4E')).toBe('Echo');
    expect(displayName(api, 'EchoServiceRole5A6B7C8D')).toBe('Echo/ServiceRole');
    expect(displayName(assembly.stack('Demo-dev-Data'), 'Items5C12978B')).toBe('Items');
  });

  it('locates a function bundle through the asset manifest', () => {
    const assembly = loadAssembly(FIXTURE);
    const api = assembly.stack('Demo-dev-Api');
    const code = functionCode(api, api.template.Resources.Echo1F2C3D4E!.Properties!.Code, assembly.dir);
    expect(code).toEqual({ kind: 'directory', dir: join(FIXTURE, `asset.${HASH}`), assetHash: HASH });
    expect(functionCode(api, { ZipFile: 'exports.handler = 1' }, assembly.dir)).toEqual({
      kind: 'inline',
      source: 'exports.handler = 1',
    });
    expect(functionCode(api, { S3Bucket: 'b', S3Key: 'missing.zip' }, assembly.dir).kind).toBe('unavailable');
  });

  it('resolves cross-stack references by deploying stacks in order', () => {
    const [data, api] = resolveAssembly(loadAssembly(FIXTURE));
    const tableName = data!.resources.Items5C12978B!.physicalId;
    expect(tableName).toMatch(/^Demo-dev-Data-Items5C12978B-[A-Z2-7]{12}$/);
    const env = (api!.resources.Echo1F2C3D4E!.properties.Environment as { Variables: Record<string, string> })
      .Variables;
    expect(env).toEqual({
      TABLE_NAME: tableName,
      TABLE_ARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${tableName}`,
    });
    expect(api!.resources.Echo1F2C3D4E!.properties.Role).toBe(
      `arn:aws:iam::000000000000:role/${api!.resources.EchoServiceRole5A6B7C8D!.physicalId}`,
    );
    expect(api!.order).toEqual(['EchoServiceRole5A6B7C8D', 'Echo1F2C3D4E']);
  });

  it('fails clearly without a manifest and on duplicate exports', () => {
    const empty = mkdtempSync(join(tmpdir(), 'assembly-'));
    expect(() => loadAssembly(empty)).toThrow(AssemblyError);

    const dir = mkdtempSync(join(tmpdir(), 'assembly-'));
    const stack = (name: string) => ({
      type: 'aws:cloudformation:stack',
      properties: { templateFile: `${name}.json` },
    });
    const template = JSON.stringify({
      Resources: { Q: { Type: 'AWS::SQS::Queue' } },
      Outputs: { O: { Value: 'v', Export: { Name: 'shared-name' } } },
    });
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ artifacts: { A: stack('A'), B: stack('B') } }),
    );
    writeFileSync(join(dir, 'A.json'), template);
    writeFileSync(join(dir, 'B.json'), template);
    expect(() => resolveAssembly(loadAssembly(dir))).toThrow(TemplateError);
  });
});
