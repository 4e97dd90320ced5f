import { describe, expect, it } from 'vitest';
import { formatLogLine, unsupportedSummary } from '#local/log-format.ts';

const plain = { color: false, verbose: false };

describe('formatLogLine', () => {
  it('turns a Powertools JSON line into LEVEL message key=value without the keys every line repeats', () => {
    const line =
      '[lambda] diplowire-dev-translator {"level":"INFO","message":"Translation outcome","timestamp":"2026-12-05T00:16:53.681Z","service":"translator","cold_start":true,"function_arn":"arn:x","function_request_id":"r1","sampling_rate":0,"itemId":"itm_1","version":1,"reason":"no translation provider"}';
    expect(formatLogLine(line, plain)).toBe(
      '[lambda] diplowire-dev-translator INFO Translation outcome itemId=itm_1 version=1 reason="no translation provider"',
    );
    expect(formatLogLine(line, { color: false, verbose: true })).toContain('cold_start=true');
  });

  it('hides embedded-metrics lines unless verbose, then shows their metrics in one short line', () => {
    const line =
      '[lambda] diplowire-dev-authorizer {"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"Diplowire","Dimensions":[["service"]],"Metrics":[{"Name":"ApiKeyAccepted","Unit":"Count"}]}]},"service":"authorizer","ApiKeyAccepted":1}';
    expect(formatLogLine(line, plain)).toBeUndefined();
    expect(formatLogLine(line, { color: false, verbose: true })).toBe(
      '[lambda] diplowire-dev-authorizer metrics ApiKeyAccepted=1',
    );
  });

  it('colours errors red and warnings yellow only when asked to', () => {
    const error = '[lambda] fn {"level":"ERROR","message":"Delivery message failed"}';
    expect(formatLogLine(error, plain)).toBe('[lambda] fn ERROR Delivery message failed');
    expect(formatLogLine(error, { color: true, verbose: false })).toBe(
      '\u001b[31m[lambda] fn ERROR Delivery message failed\u001b[0m',
    );
    expect(
      formatLogLine('[api] [apigw] POST /v1/items status=503 latency=1ms', { color: true, verbose: false }),
    ).toMatch(/^.\[31m/);
    expect(
      formatLogLine('[api] [apigw] POST /v1/items status=409 latency=1ms', { color: true, verbose: false }),
    ).toMatch(/^.\[33m/);
    expect(
      formatLogLine('[api] [apigw] GET /v1/items/x status=200 latency=1ms', { color: true, verbose: false }),
    ).toBe('[api] [apigw] GET /v1/items/x status=200 latency=1ms');
  });

  it('leaves lines that merely contain braces alone', () => {
    expect(formatLogLine('[events] put {not json}', plain)).toBe('[events] put {not json}');
  });
});

describe('unsupportedSummary', () => {
  it('counts ignored settings by kind in one line', () => {
    const summary = unsupportedSummary([
      'S/A: resource type AWS::CloudWatch::Alarm is not supported locally; it is not created',
      'S/B: resource type AWS::CloudWatch::Alarm is not supported locally; it is not created',
      'S/F: property TracingConfig of AWS::Lambda::Function is ignored locally',
    ]);
    expect(summary).toBe(
      '3 template settings are not emulated locally (2 CloudWatch Alarm resources, 1 Function TracingConfig); --verbose lists them',
    );
    expect(unsupportedSummary([])).toBeUndefined();
  });
});
