import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import type { RegistrySchema } from '#shared/contracts/events/index.ts';

export interface EventSchemaRegistryProps {
  readonly registryName: string;
  readonly schemas: readonly RegistrySchema[];
}

/**
 * An EventBridge Schema Registry holding one schema per published detail-type, so subscribers
 * can browse the contract and generate code bindings in the console or with the CLI.
 */
export class EventSchemaRegistry extends Construct {
  readonly registry: CfnRegistry;
  readonly schemas: CfnSchema[];

  constructor(scope: Construct, id: string, props: EventSchemaRegistryProps) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: props.registryName,
      description: 'Diplowire item events (source diplowire.items): one schema per detail-type.',
    });
    this.schemas = props.schemas.map(
      (schema) =>
        new CfnSchema(this, schema.detailType, {
          registryName: this.registry.attrRegistryName,
          schemaName: schema.schemaName,
          type: schema.type,
          description: schema.description,
          content: schema.content,
        }),
    );
  }
}
