import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { writePrivateFile } from '#local/index.ts';
import { createPartnerWithKey } from '#shared/adapters/dynamodb/partner-keys.ts';
import { DynamoPartnerStore } from '#shared/adapters/dynamodb/partner-store.ts';

export interface DemoPartner {
  partnerId: string;
  apiKey: string;
  created: boolean;
}

/**
 * Creates the demo partner on the first start and keeps its key in the (git-ignored) data directory,
 * so later starts can print it again. Production keys are only ever shown once; this is local-only.
 */
export async function seedDemoPartner(options: {
  dataDir: string;
  dynamodbEndpoint: string;
  partnersTable: string;
}): Promise<DemoPartner> {
  const file = join(options.dataDir, 'demo-partner.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Omit<DemoPartner, 'created'>;
    return { ...saved, created: false };
  }
  const client = new DynamoDBClient({
    endpoint: options.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const store = new DynamoPartnerStore(client, options.partnersTable);
    const { partnerId, apiKey } = await createPartnerWithKey(store, 'Demo partner');
    const demo = { partnerId, apiKey };
    writePrivateFile(file, `${JSON.stringify(demo, null, 2)}\n`);
    return { ...demo, created: true };
  } finally {
    client.destroy();
  }
}
