/**
 * The Scheduler API's operations on the local state: schedules, schedule groups and their tags, with
 * the service's errors (ResourceNotFoundException, ConflictException, ValidationException). Dates go
 * out as epoch seconds, REST-JSON's timestamp format.
 */
import { createHash } from 'node:crypto';
import {
  checkName,
  checkScheduleRequest,
  conflict,
  notFound,
  type ScheduleDefinition,
  validation,
} from './model';
import type { LocalScheduler } from './scheduler';
import type { StoredGroup, StoredSchedule } from './store';

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON checked by model.ts
type Json = any;

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
const definitionHash = (request: unknown) =>
  createHash('sha256').update(JSON.stringify(request)).digest('hex');

export class SchedulerApi {
  constructor(
    private readonly scheduler: LocalScheduler,
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  private get state() {
    return this.scheduler.state;
  }

  groupArn(name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.accountId}:schedule-group/${name}`;
  }

  findSchedule(groupName: string, name: string): StoredSchedule | undefined {
    return this.state.schedules.find(
      (s) => s.definition.GroupName === groupName && s.definition.Name === name,
    );
  }

  private requireGroup(name: string): StoredGroup {
    const group = this.state.groups.find((g) => g.name === name);
    if (group === undefined) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  private requireSchedule(groupName: string, name: string): StoredSchedule {
    const schedule = this.findSchedule(groupName, name);
    if (schedule === undefined) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  // ---------- schedules ----------

  createSchedule(name: string, body: Json): { ScheduleArn: string } {
    const now = Date.now();
    const { definition } = checkScheduleRequest(name, body, now);
    this.requireGroup(definition.GroupName);
    const existing = this.findSchedule(definition.GroupName, name);
    const clientToken = typeof body?.ClientToken === 'string' ? body.ClientToken : undefined;
    if (existing !== undefined) {
      // A retried request (same client token) gets the first answer.
      if (clientToken !== undefined && existing.clientToken === clientToken)
        return { ScheduleArn: this.scheduler.scheduleArn(definition.GroupName, name) };
      throw conflict(`Schedule ${name} already exists.`);
    }
    const schedule = newSchedule(definition, now, clientToken === undefined ? {} : { clientToken });
    this.state.schedules.push(schedule);
    this.scheduler.save();
    this.scheduler.arm(schedule);
    return { ScheduleArn: this.scheduler.scheduleArn(definition.GroupName, name) };
  }

  /** UpdateSchedule replaces the whole definition (omitted fields take their defaults), as on AWS. */
  updateSchedule(name: string, body: Json): { ScheduleArn: string } {
    const now = Date.now();
    const { definition } = checkScheduleRequest(name, body, now);
    this.requireGroup(definition.GroupName);
    const schedule = this.requireSchedule(definition.GroupName, name);
    this.replace(schedule, definition, now);
    return { ScheduleArn: this.scheduler.scheduleArn(definition.GroupName, name) };
  }

  private replace(schedule: StoredSchedule, definition: ScheduleDefinition, now: number): void {
    schedule.definition = definition;
    schedule.lastModificationDate = now;
    schedule.anchor = now;
    schedule.generation++;
    delete schedule.lastScheduledAt;
    this.scheduler.save();
    this.scheduler.arm(schedule);
  }

  getSchedule(name: string, groupName: string | undefined): Record<string, unknown> {
    checkName(name, 'name');
    const group = groupName ?? 'default';
    this.requireGroup(group);
    const schedule = this.requireSchedule(group, name);
    const d = schedule.definition;
    return {
      Arn: this.scheduler.scheduleArn(d.GroupName, d.Name),
      Name: d.Name,
      GroupName: d.GroupName,
      ScheduleExpression: d.ScheduleExpression,
      ScheduleExpressionTimezone: d.ScheduleExpressionTimezone,
      StartDate: seconds(d.StartDate),
      EndDate: seconds(d.EndDate),
      Description: d.Description,
      State: d.State,
      KmsKeyArn: d.KmsKeyArn,
      FlexibleTimeWindow: d.FlexibleTimeWindow,
      ActionAfterCompletion: d.ActionAfterCompletion,
      Target: d.Target,
      CreationDate: seconds(schedule.creationDate),
      LastModificationDate: seconds(schedule.lastModificationDate),
    };
  }

  deleteSchedule(name: string, groupName: string | undefined): Record<string, never> {
    checkName(name, 'name');
    const group = groupName ?? 'default';
    this.requireGroup(group);
    this.removeSchedule(this.requireSchedule(group, name));
    return {};
  }

  /**
   * Deletes a schedule (its invocations already in flight finish, as on AWS). `persist: false`: the
   * caller saves (the timers batch their saves).
   */
  removeSchedule(schedule: StoredSchedule, options: { completed?: boolean; persist?: boolean } = {}): void {
    const d = schedule.definition;
    this.scheduler.disarm(d.GroupName, d.Name);
    this.state.schedules = this.state.schedules.filter((s) => s !== schedule);
    if (options.completed && schedule.fromTemplate) {
      this.state.completedTemplateSchedules[`${d.GroupName}/${d.Name}`] = schedule.templateHash ?? '';
    }
    if (options.persist !== false) this.scheduler.save();
  }

  listSchedules(query: URLSearchParams): { Schedules: unknown[]; NextToken?: string } {
    const group = query.get('ScheduleGroup') ?? undefined;
    const prefix = query.get('NamePrefix') ?? undefined;
    const state = query.get('State') ?? undefined;
    if (group !== undefined) checkName(group, 'groupName');
    if (prefix !== undefined) checkName(prefix, 'namePrefix');
    if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED')
      throw validation(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
      );
    const matching = this.state.schedules
      .filter(
        (s) =>
          (group === undefined || s.definition.GroupName === group) &&
          (prefix === undefined || s.definition.Name.startsWith(prefix)) &&
          (state === undefined || s.definition.State === state),
      )
      .sort((a, b) =>
        `${a.definition.GroupName}/${a.definition.Name}`.localeCompare(
          `${b.definition.GroupName}/${b.definition.Name}`,
        ),
      );
    const { page, nextToken } = paginate(matching, query);
    return {
      Schedules: page.map((s) => ({
        Arn: this.scheduler.scheduleArn(s.definition.GroupName, s.definition.Name),
        Name: s.definition.Name,
        GroupName: s.definition.GroupName,
        State: s.definition.State,
        CreationDate: seconds(s.creationDate),
        LastModificationDate: seconds(s.lastModificationDate),
        Target: { Arn: s.definition.Target.Arn },
      })),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  }

  // ---------- groups ----------

  createScheduleGroup(
    name: string,
    body: Json,
    options: { fromTemplate?: boolean } = {},
  ): { ScheduleGroupArn: string } {
    checkName(name, 'name');
    if (this.state.groups.some((g) => g.name === name))
      throw conflict(`Schedule group ${name} already exists.`);
    const now = Date.now();
    this.state.groups.push({
      name,
      creationDate: now,
      lastModificationDate: now,
      tags: checkTags(body?.Tags),
      ...(options.fromTemplate && { fromTemplate: true }),
    });
    this.scheduler.save();
    return { ScheduleGroupArn: this.groupArn(name) };
  }

  getScheduleGroup(name: string): Record<string, unknown> {
    checkName(name, 'name');
    const group = this.requireGroup(name);
    return groupView(group, this.groupArn(name));
  }

  deleteScheduleGroup(name: string): Record<string, never> {
    checkName(name, 'name');
    if (name === 'default') throw validation('The default schedule group cannot be deleted.');
    this.requireGroup(name);
    // AWS deletes the group's schedules with it.
    for (const schedule of this.state.schedules.filter((s) => s.definition.GroupName === name))
      this.removeSchedule(schedule);
    this.state.groups = this.state.groups.filter((g) => g.name !== name);
    this.scheduler.save();
    return {};
  }

  listScheduleGroups(query: URLSearchParams): { ScheduleGroups: unknown[]; NextToken?: string } {
    const prefix = query.get('NamePrefix') ?? undefined;
    if (prefix !== undefined) checkName(prefix, 'namePrefix');
    const matching = this.state.groups
      .filter((g) => prefix === undefined || g.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(matching, query);
    return {
      ScheduleGroups: page.map((g) => groupView(g, this.groupArn(g.name))),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  }

  // ---------- tags (schedule groups only, as on AWS) ----------

  private groupByArn(arn: string): StoredGroup {
    const match = /^arn:aws(-[a-z]+)?:scheduler:[a-z0-9-]+:\d{12}:schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(
      arn,
    );
    if (match === null) throw validation(`Invalid ResourceArn ${arn}.`);
    return this.requireGroup(match[2]!);
  }

  listTags(arn: string): { Tags: Array<{ Key: string; Value: string }> } {
    return { Tags: this.groupByArn(arn).tags };
  }

  tagResource(arn: string, body: Json): Record<string, never> {
    const group = this.groupByArn(arn);
    for (const tag of checkTags(body?.Tags)) {
      group.tags = [...group.tags.filter((t) => t.Key !== tag.Key), tag];
    }
    this.scheduler.save();
    return {};
  }

  untagResource(arn: string, keys: string[]): Record<string, never> {
    const group = this.groupByArn(arn);
    group.tags = group.tags.filter((t) => !keys.includes(t.Key));
    this.scheduler.save();
    return {};
  }

  // ---------- the template ----------

  /**
   * Brings template groups and schedules in step with the template, as a deployment would: new ones are
   * created, changed ones replaced, removed ones deleted; run-time ones are left alone. A template
   * schedule that completed and deleted itself is not re-created from the same definition.
   */
  applyTemplate(template: {
    groups: Array<{ name: string; tags: Array<{ Key: string; Value: string }> }>;
    schedules: Array<{ name: string; request: Record<string, unknown> }>;
  }): string[] {
    const warnings: string[] = [];
    const groupNames = new Set(template.groups.map((g) => g.name));
    for (const group of template.groups) {
      const existing = this.state.groups.find((g) => g.name === group.name);
      if (existing === undefined)
        this.createScheduleGroup(group.name, { Tags: group.tags }, { fromTemplate: true });
      else existing.tags = group.tags;
    }
    const scheduleKeys = new Set<string>();
    for (const { name, request } of template.schedules) {
      const groupName = typeof request.GroupName === 'string' ? request.GroupName : 'default';
      const key = `${groupName}/${name}`;
      scheduleKeys.add(key);
      const hash = definitionHash(request);
      if (this.state.completedTemplateSchedules[key] === hash) continue;
      const existing = this.findSchedule(groupName, name);
      if (existing?.fromTemplate && existing.templateHash === hash) continue;
      // Template dates may lie in the past by now; they were valid when the stack was deployed.
      let definition: ScheduleDefinition;
      try {
        definition = checkScheduleRequest(name, request, Number.NEGATIVE_INFINITY).definition;
        this.requireGroup(definition.GroupName);
      } catch (error) {
        warnings.push(
          `schedule ${key} from the template is not created locally: ${(error as Error).message}`,
        );
        continue;
      }
      if (existing !== undefined) {
        this.replace(existing, definition, Date.now());
        existing.fromTemplate = true;
        existing.templateHash = hash;
      } else {
        const schedule = newSchedule(definition, Date.now(), { fromTemplate: true, templateHash: hash });
        this.state.schedules.push(schedule);
        this.scheduler.arm(schedule);
      }
    }
    for (const schedule of this.state.schedules.filter((s) => s.fromTemplate)) {
      if (!scheduleKeys.has(`${schedule.definition.GroupName}/${schedule.definition.Name}`))
        this.removeSchedule(schedule);
    }
    for (const group of this.state.groups.filter((g) => g.fromTemplate && !groupNames.has(g.name))) {
      this.deleteScheduleGroup(group.name);
    }
    this.scheduler.save();
    return warnings;
  }
}

function newSchedule(
  definition: ScheduleDefinition,
  now: number,
  extra: Pick<StoredSchedule, 'clientToken' | 'fromTemplate' | 'templateHash'>,
): StoredSchedule {
  return { definition, creationDate: now, lastModificationDate: now, anchor: now, generation: 0, ...extra };
}

function groupView(group: StoredGroup, arn: string) {
  return {
    Arn: arn,
    Name: group.name,
    State: 'ACTIVE',
    CreationDate: seconds(group.creationDate),
    LastModificationDate: seconds(group.lastModificationDate),
  };
}

function checkTags(tags: unknown): Array<{ Key: string; Value: string }> {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags) || tags.length > 200) throw validation('Tags must be a list of at most 200 tags.');
  return tags.map((tag) => {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 128)
      throw validation('A tag Key must have length between 1 and 128.');
    if (typeof Value !== 'string' || Value.length < 1 || Value.length > 256)
      throw validation('A tag Value must have length between 1 and 256.');
    return { Key, Value };
  });
}

function paginate<T>(items: T[], query: URLSearchParams): { page: T[]; nextToken?: string } {
  const max = query.get('MaxResults');
  const limit = max === null ? 100 : Number(max);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw validation(
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  const token = query.get('NextToken');
  const start = token === null ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw validation('The NextToken is invalid.');
  const page = items.slice(start, start + limit);
  const end = start + page.length;
  return end < items.length
    ? { page, nextToken: Buffer.from(String(end), 'utf8').toString('base64url') }
    : { page };
}
