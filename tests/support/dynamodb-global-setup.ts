import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** Starts one in-memory DynamoDB Local on a free port for the whole integration run. */
export default async function setup(project: TestProject) {
  const ddb = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
