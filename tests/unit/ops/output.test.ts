import { describe, expect, it } from 'vitest';
import { follow, Interrupted } from '#scripts/ops/context.ts';
import {
  colourEnabled,
  displayWidth,
  ProgressBar,
  painter,
  renderBar,
  renderTable,
} from '#scripts/ops/output.ts';
import { moveFraction, replayFraction, replayName } from '#shared/domain/ops/progress.ts';

describe('renderTable', () => {
  it('aligns columns two spaces apart, numbers to the right, without trailing spaces', () => {
    const table = renderTable(
      [{ header: 'QUEUE' }, { header: 'MESSAGES', align: 'right' }, { header: 'NOTE' }],
      [
        ['diplowire-dev-outbox-dlq', '12', ''],
        ['x', '3', 'a note'],
      ],
    );
    expect(table).toBe(
      [
        'QUEUE                     MESSAGES  NOTE',
        'diplowire-dev-outbox-dlq        12',
        'x                                3  a note',
        '',
      ].join('\n'),
    );
  });

  it('measures cells by what shows: colour codes and combining marks take no width', () => {
    const red = painter(true)('red', 'abc');
    expect(red).not.toBe('abc');
    expect(displayWidth(red)).toBe(3);
    expect(displayWidth('مُرحَبًا')).toBe(5);
    const table = renderTable([{ header: 'A' }, { header: 'B' }], [[red, 'x']]);
    expect(table.split('\n')[1]).toBe(`${red}  x`);
  });

  it('keeps a cell on one line', () => {
    expect(renderTable([{ header: 'A' }], [['one\ntwo\tthree']])).toBe('A\none two three\n');
  });
});

describe('colours', () => {
  const tty = { write: () => true, isTTY: true };
  const pipe = { write: () => true, isTTY: false };

  it('only on a terminal, never with NO_COLOR or a dumb terminal; FORCE_COLOR forces', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '0' })).toBe(true);
    expect(colourEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });

  it('a disabled painter returns the text unchanged', () => {
    expect(painter(false)('bold', 'text')).toBe('text');
  });
});

describe('progress', () => {
  it('renders a bar of a fraction, clamped', () => {
    expect(renderBar(0, 10)).toBe('[----------]   0%');
    expect(renderBar(0.5, 10)).toBe('[#####-----]  50%');
    expect(renderBar(1, 10)).toBe('[##########] 100%');
    expect(renderBar(7, 10)).toBe('[##########] 100%');
    expect(renderBar(Number.NaN, 10)).toBe('[----------]   0%');
  });

  it('draws in place on a terminal and ends the line; draws nothing otherwise', () => {
    const written: string[] = [];
    const stream = { write: (text: string) => written.push(text), isTTY: true };
    const bar = new ProgressBar(stream, 'redrive', true);
    bar.update(0.25, '1/4');
    bar.update(1, '4/4');
    bar.finish();
    expect(written).toHaveLength(3);
    expect(written[0]).toBe(`\r\u001b[2Kredrive ${renderBar(0.25)} 1/4`);
    expect(written[2]).toBe('\n');

    const silent: string[] = [];
    const off = new ProgressBar({ write: (text: string) => silent.push(text) }, 'redrive', false);
    off.update(0.5);
    off.finish();
    expect(silent).toEqual([]);
  });

  it('replay progress is the share of the window behind the last replayed event', () => {
    const window = { eventStartTime: 1000, eventEndTime: 2000 };
    expect(replayFraction({ state: 'STARTING', ...window })).toBe(0);
    expect(replayFraction({ state: 'RUNNING', ...window, eventLastReplayedTime: 1250 })).toBe(0.25);
    expect(replayFraction({ state: 'RUNNING', ...window, eventLastReplayedTime: 5000 })).toBe(1);
    expect(replayFraction({ state: 'COMPLETED', ...window })).toBe(1);
    expect(
      replayFraction({ state: 'RUNNING', eventStartTime: 5, eventEndTime: 5, eventLastReplayedTime: 5 }),
    ).toBe(0);
  });

  it('move task progress is moved over to move', () => {
    expect(moveFraction({ status: 'RUNNING', moved: 3, toMove: 12 })).toBe(0.25);
    expect(moveFraction({ status: 'RUNNING', moved: 0 })).toBe(0);
    expect(moveFraction({ status: 'COMPLETED', moved: 0, toMove: 0 })).toBe(1);
  });

  it('replay names fit EventBridge (1-64 of .-_A-Za-z0-9)', () => {
    const name = replayName(
      new Date('2026-12-05T05:00:00.123Z'),
      new Date('2026-12-05T06:00:00Z'),
      'a1-b2/c3d4e5',
    );
    expect(name).toBe('ops-20261205T050000Z-20261205T060000Z-a1b2c3d4');
    expect(name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });
});

describe('following long work', () => {
  it('polls until done, then returns the last value', async () => {
    let calls = 0;
    const value = await follow(async () => ({ done: ++calls === 3, value: calls }), 1, { goesOn: 'x' });
    expect(value).toBe(3);
  });

  it('stops following when interrupted (Ctrl-C), even in the middle of a wait, and says what goes on', async () => {
    const interrupt = new AbortController();
    let calls = 0;
    const following = follow(
      async () => {
        calls++;
        return { done: false, value: calls };
      },
      60_000,
      { signal: interrupt.signal, goesOn: 'replay r goes on' },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    interrupt.abort();
    await expect(following).rejects.toThrow(new Interrupted('replay r goes on'));
    expect(calls).toBe(1);
  });
});
