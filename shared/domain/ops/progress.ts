/** How far long-running operator work has come, as a fraction 0..1 for a progress bar. */

export type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

/** Replay states after which DescribeReplay will not change any more. */
export const FINAL_REPLAY_STATES: readonly string[] = ['COMPLETED', 'CANCELLED', 'FAILED'];

/**
 * EventBridge replays events in time order and reports the time of the last one it replayed: the
 * share of the window behind that time is the progress (events are not counted by the API).
 */
export function replayFraction(replay: {
  state: string;
  eventStartTime: number;
  eventEndTime: number;
  eventLastReplayedTime?: number;
}): number {
  if (replay.state === 'COMPLETED') return 1;
  const span = replay.eventEndTime - replay.eventStartTime;
  if (replay.eventLastReplayedTime === undefined || span <= 0) return 0;
  return clamp((replay.eventLastReplayedTime - replay.eventStartTime) / span);
}

/** Message move tasks (DLQ redrive) count the messages moved out of those to move. */
export function moveFraction(task: { status: string; moved: number; toMove?: number }): number {
  if (task.status === 'COMPLETED') return 1;
  if (task.toMove === undefined || task.toMove <= 0) return 0;
  return clamp(task.moved / task.toMove);
}

export const FINAL_MOVE_STATES: readonly string[] = ['COMPLETED', 'CANCELLED', 'FAILED'];

function clamp(fraction: number): number {
  return Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
}

/** A replay name EventBridge accepts (1-64 of `.-_A-Za-z0-9`), unique enough to never collide. */
export function replayName(from: Date, to: Date, suffix: string): string {
  const stamp = (date: Date) =>
    date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  return `ops-${stamp(from)}-${stamp(to)}-${suffix.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`;
}
