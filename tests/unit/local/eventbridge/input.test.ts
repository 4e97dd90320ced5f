import { describe, expect, it } from 'vitest';
import { renderTemplate, selectPath, targetPayload } from '#local/eventbridge/input.ts';

const event = {
  id: 'e-1',
  source: 'diplowire.items',
  detail: { itemId: 'itm_1', version: 2, tags: ['a', 'b'], 'odd-key': 'x', quote: 'say "hi"\n' },
};
const context = {
  event,
  ruleArn: 'arn:aws:events:us-east-1:1:rule/r',
  ruleName: 'r',
  ingestionTime: '2024-01-01T00:00:00Z',
};

describe('JSONPath selection', () => {
  it('follows dots, brackets and indexes; missing paths are undefined', () => {
    expect(selectPath(event, '$.detail.itemId')).toBe('itm_1');
    expect(selectPath(event, "$.detail['odd-key']")).toBe('x');
    expect(selectPath(event, '$.detail.tags[1]')).toBe('b');
    expect(selectPath(event, '$.detail.nope.deeper')).toBeUndefined();
    expect(selectPath(event, '$')).toBe(event);
  });
});

describe('input templates', () => {
  it('inserts JSON outside quotes and escaped text inside quotes', () => {
    const out = renderTemplate(
      '{"id": <id>, "v": <v>, "tags": <tags>, "text": "<id> v<v> <quote>", "missing": <nope>, "rule": "<aws.events.rule-name>"}',
      {
        id: '$.detail.itemId',
        v: '$.detail.version',
        tags: '$.detail.tags',
        quote: '$.detail.quote',
        nope: '$.detail.nope',
      },
      context,
    );
    expect(JSON.parse(out)).toEqual({
      id: 'itm_1',
      v: 2,
      tags: ['a', 'b'],
      text: 'itm_1 v2 say "hi"\n',
      missing: null,
      rule: 'r',
    });
  });

  it('supports string templates and the whole event (object and escaped-JSON forms)', () => {
    expect(renderTemplate('"Item <id> changed"', { id: '$.detail.itemId' }, context)).toBe(
      '"Item itm_1 changed"',
    );
    const whole = JSON.parse(
      renderTemplate('{"e": <aws.events.event>, "j": <aws.events.event.json>}', {}, context),
    );
    expect(whole.e).toEqual(event);
    expect(JSON.parse(whole.j)).toEqual(event);
  });

  it('leaves unknown angle-bracket text alone and refuses reserved names in the paths map', () => {
    expect(renderTemplate('"a <b> c"', {}, context)).toBe('"a <b> c"');
    expect(() => renderTemplate('<aws.x>', { 'aws.x': '$.id' }, context)).toThrow(/reserved/);
  });
});

describe('target payload', () => {
  it('prefers Input, then InputPath, then InputTransformer, else the event', () => {
    expect(targetPayload({ input: '{"c":1}', inputPath: '$.id' }, context)).toBe('{"c":1}');
    expect(targetPayload({ inputPath: '$.detail.version' }, context)).toBe('2');
    expect(JSON.parse(targetPayload({}, context))).toEqual(event);
  });
});
