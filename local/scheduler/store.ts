/**
 * The local Scheduler's persisted state: schedule groups, schedules (definition and run state) and the
 * invocations in flight, in one JSON file under the data directory, replaced atomically (write to a
 * temporary file, then rename) so a crash leaves the previous or the next state, never half: on each
 * API change before it is answered, and once per event-loop turn for what the timers change.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScheduleDefinition, TargetInput } from './model';

export interface StoredGroup {
  name: string;
  creationDate: number;
  lastModificationDate: number;
  tags: Array<{ Key: string; Value: string }>;
  fromTemplate?: boolean;
}

export interface StoredSchedule {
  definition: ScheduleDefinition;
  creationDate: number;
  lastModificationDate: number;
  /** When the current timing started counting: creation or the last update (rate schedules start then). */
  anchor: number;
  /** The scheduled time of the latest invocation started under the current definition. */
  lastScheduledAt?: number;
  /** Bumped by every update, so an invocation of an older definition never deletes a newer one. */
  generation: number;
  clientToken?: string;
  fromTemplate?: boolean;
  /** The template definition it was made from (a changed one replaces it). */
  templateHash?: string;
}

export interface StoredInvocation {
  id: string;
  groupName: string;
  name: string;
  scheduleArn: string;
  generation: number;
  /** The time the schedule was due. */
  scheduledAt: number;
  /** When the invocation started; its event age counts from here. */
  createdAt: number;
  attempts: number;
  target: TargetInput;
  /** Whether the schedule has no invocation after this one (ActionAfterCompletion applies when it ends). */
  last: boolean;
  lastError?: { code: string; message: string };
}

export interface SchedulerState {
  groups: StoredGroup[];
  schedules: StoredSchedule[];
  invocations: StoredInvocation[];
  /** Template schedules that completed and were deleted: not re-created from the same definition. */
  completedTemplateSchedules: Record<string, string>;
}

const FILE = 'state.json';

export function emptyState(): SchedulerState {
  return { groups: [], schedules: [], invocations: [], completedTemplateSchedules: {} };
}

export function loadState(dir: string | undefined): SchedulerState {
  if (dir === undefined) return emptyState();
  const file = join(dir, FILE);
  if (!existsSync(file)) return emptyState();
  let stored: Partial<SchedulerState>;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<SchedulerState>;
  } catch (error) {
    // Never start over silently: the schedules in it would be lost.
    throw new Error(
      `the local Scheduler's state ${file} is not readable (${(error as Error).message}); fix or remove it, or start with --fresh`,
    );
  }
  return { ...emptyState(), ...stored };
}

export function saveState(dir: string | undefined, state: SchedulerState): void {
  if (dir === undefined) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}
