/** DynamoDB Local for the cloud, and the templates' tables in it. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, startDynamoDbLocal } from '../dynamodb/launcher';
import { ensureTable, type TableProperties } from '../dynamodb/tables';
import type { ResolvedStack } from '../template';
import { resourcesOfType } from './resources';
import type { LocalCloudOptions } from './types';

/**
 * DynamoDB Local persists under the data directory. A local cloud killed with SIGKILL leaves its JVM
 * running; its pid file lets the next start stop it before reusing the files.
 */
export async function startDynamoDb(
  options: LocalCloudOptions,
  log: (line: string) => void,
): Promise<DynamoDbLocal> {
  const pidFile = join(options.dataDir, 'dynamodb.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid > 0 && isAlive(pid)) {
      log(`[dynamodb] stopping DynamoDB Local left over from an earlier run (pid ${pid})`);
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
  }
  const files = join(options.dataDir, 'dynamodb');
  const ddb = await startDynamoDbLocal({
    ...(options.dynamoDbInMemory ? { label: files } : { dbPath: files }),
    port: options.ports.dynamodb,
  });
  writeFileSync(pidFile, String(ddb.pid));
  log(`[dynamodb] DynamoDB Local on ${ddb.endpoint}${options.dynamoDbInMemory ? ' (tables in memory)' : ''}`);
  return ddb;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Creates (or finds) every table of the stacks; records each table's stream ARN by table name. */
export async function createTables(
  dynamo: DynamoDBClient,
  stacks: ResolvedStack[],
  streamArns: Map<string, string>,
  log: (line: string) => void,
): Promise<void> {
  for (const stack of stacks) {
    for (const resource of resourcesOfType(stack, 'AWS::DynamoDB::Table')) {
      // Without an explicit TableName, CloudFormation names the table; so does the resolver.
      const props = {
        ...resource.properties,
        TableName: resource.physicalId,
      } as unknown as TableProperties;
      const table = await ensureTable(dynamo, props);
      for (const warning of table.warnings) log(`[dynamodb] ${warning}`);
      if (table.streamArn) streamArns.set(table.tableName, table.streamArn);
      log(`[dynamodb] table ${table.tableName} ${table.created ? 'created' : 'found'}`);
    }
  }
}
