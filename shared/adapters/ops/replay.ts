/**
 * EventBridge archive replays for operators: the archive and rule ARNs from their names, StartReplay,
 * and DescribeReplay in a form the progress bar reads.
 */
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';

export class ReplayTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayTargetError';
  }
}

/** The archive's ARN and the bus it archives (a replay goes back to that bus). */
export async function archiveOf(
  client: EventBridgeClient,
  archiveName: string,
): Promise<{ archiveArn: string; busArn: string }> {
  const archive = await client.send(new DescribeArchiveCommand({ ArchiveName: archiveName }));
  if (!archive.ArchiveArn || !archive.EventSourceArn)
    throw new ReplayTargetError(`Archive ${archiveName} has no ARN or source bus.`);
  return { archiveArn: archive.ArchiveArn, busArn: archive.EventSourceArn };
}

/**
 * The ARN of a rule on the bus, by its name or its name without the stage prefix (`translator` for
 * `diplowire-prod-translator`).
 */
export async function ruleArnOf(
  client: EventBridgeClient,
  busName: string,
  name: string,
  stagePrefix: string,
): Promise<string> {
  const candidates = name.startsWith(stagePrefix) ? [name] : [name, `${stagePrefix}${name}`];
  for (const candidate of candidates) {
    try {
      const rule = await client.send(new DescribeRuleCommand({ Name: candidate, EventBusName: busName }));
      if (rule.Arn) return rule.Arn;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
  throw new ReplayTargetError(`No rule ${candidates.join(' or ')} on bus ${busName}.`);
}

export async function startReplay(
  client: EventBridgeClient,
  replay: { name: string; archiveArn: string; busArn: string; from: Date; to: Date; ruleArns: string[] },
): Promise<void> {
  await client.send(
    new StartReplayCommand({
      ReplayName: replay.name,
      Description: 'npm run ops -- replay',
      EventSourceArn: replay.archiveArn,
      EventStartTime: replay.from,
      EventEndTime: replay.to,
      Destination: {
        Arn: replay.busArn,
        ...(replay.ruleArns.length > 0 && { FilterArns: replay.ruleArns }),
      },
    }),
  );
}

export interface ReplayProgress {
  name: string;
  state: string;
  reason?: string;
  eventStartTime: number;
  eventEndTime: number;
  eventLastReplayedTime?: number;
  replayStartTime?: number;
  replayEndTime?: number;
}

export async function describeReplay(client: EventBridgeClient, name: string): Promise<ReplayProgress> {
  const replay = await client.send(new DescribeReplayCommand({ ReplayName: name }));
  const ms = (date: Date | undefined) => date?.getTime();
  return {
    name,
    state: replay.State ?? 'UNKNOWN',
    ...(replay.StateReason && { reason: replay.StateReason }),
    eventStartTime: ms(replay.EventStartTime) ?? 0,
    eventEndTime: ms(replay.EventEndTime) ?? 0,
    ...(replay.EventLastReplayedTime && { eventLastReplayedTime: replay.EventLastReplayedTime.getTime() }),
    ...(replay.ReplayStartTime && { replayStartTime: replay.ReplayStartTime.getTime() }),
    ...(replay.ReplayEndTime && { replayEndTime: replay.ReplayEndTime.getTime() }),
  };
}
