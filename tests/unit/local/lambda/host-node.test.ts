import { describe, expect, it } from 'vitest';
import { hostNodeMismatch, runtimeNodeMajor } from '#local/lambda/host-node.ts';

describe('runtimeNodeMajor', () => {
  it('reads the major of a Node.js runtime and nothing else', () => {
    expect(runtimeNodeMajor('nodejs24.x')).toBe(24);
    expect(runtimeNodeMajor('nodejs20.x')).toBe(20);
    expect(runtimeNodeMajor('python3.13')).toBeUndefined();
    expect(runtimeNodeMajor('nodejs')).toBeUndefined();
  });
});

describe('hostNodeMismatch', () => {
  it('is silent when every function runs on the host major', () => {
    expect(hostNodeMismatch(['nodejs24.x', 'nodejs24.x'], '24.11.1')).toBeUndefined();
    expect(hostNodeMismatch(['python3.13'], '20.19.0')).toBeUndefined();
    expect(hostNodeMismatch([], '20.19.0')).toBeUndefined();
  });

  it('gives one warning for all mismatching functions, counted per runtime', () => {
    const warning = hostNodeMismatch(
      ['nodejs24.x', 'nodejs24.x', 'nodejs22.x', 'nodejs20.x', 'python3.13'],
      '20.20.2',
    );
    expect(warning).toBe(
      'functions declare nodejs22.x (1 function), nodejs24.x (2 functions) but run as worker threads of ' +
        'this Node.js 20.20.2: behaviour that differs between Node.js majors is not exercised locally. ' +
        'Start the local cloud with Node.js 22 or 24 to match Lambda.',
    );
  });
});
