import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '#infra/config.ts';
import { EVENT_ARCHIVE, EVENT_CONSUMERS } from '#scripts/event-catalog.ts';
import { disposeSynths, resourcesOfType, type SynthesizedApp, synthStage } from './support/synth';

let dev: SynthesizedApp;
beforeAll(() => {
  dev = synthStage('dev');
});
afterAll(disposeSynths);

interface RulePattern {
  source?: string[];
  'detail-type'?: string[];
}

const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort();

describe('the event catalog against the synthesized rules', () => {
  it('declares exactly the event rules of the stacks, with their sources and detail-types', () => {
    const rules = [dev.data, dev.api, dev.subscribers]
      .flatMap((template) => resourcesOfType(template, 'AWS::Events::Rule'))
      .map(([, rule]) => rule.Properties as { Name: string; EventPattern?: RulePattern })
      .filter((rule) => rule.EventPattern?.['detail-type']);
    expect(sorted(rules.map((r) => r.Name))).toEqual(
      sorted(EVENT_CONSUMERS.map((c) => resourceName('dev', c.name))),
    );
    for (const consumer of EVENT_CONSUMERS) {
      const rule = rules.find((r) => r.Name === resourceName('dev', consumer.name))!;
      expect(sorted(rule.EventPattern?.source), consumer.name).toEqual(sorted(consumer.sources));
      expect(sorted(rule.EventPattern?.['detail-type']), consumer.name).toEqual(sorted(consumer.detailTypes));
      expect(Object.hasOwn(rule.EventPattern!, 'detail'), `${consumer.name} filters on the detail`).toBe(
        consumer.filter !== undefined,
      );
    }
  });

  it('archives what the catalog says is archived', () => {
    const archives = resourcesOfType(dev.data, 'AWS::Events::Archive');
    expect(archives).toHaveLength(1);
    const archive = archives[0]![1] as unknown as { Properties: { EventPattern: RulePattern } };
    expect(archive.Properties.EventPattern).toEqual({ source: [...EVENT_ARCHIVE.sources] });
  });
});
