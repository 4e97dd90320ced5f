import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Deployment stages. Everything that differs between them is in {@link StageConfig}. */
export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export const PROJECT = 'diplowire';

export function parseStage(value: unknown): Stage {
  if (value === undefined || value === null || value === '') return 'dev';
  if (typeof value === 'string' && (STAGES as readonly string[]).includes(value)) return value as Stage;
  throw new Error(
    `Unknown stage ${JSON.stringify(value)}: expected one of ${STAGES.join(', ')} (-c stage=<stage>)`,
  );
}

export interface StageConfig {
  stage: Stage;
  /** Stateful resources (tables, retained logs) survive a stack deletion in prod only. */
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  logRetention: RetentionDays;
  /** How long the bus archive keeps events for replay. */
  archiveRetention: Duration;
  /**
   * Default route throttling of the HTTP API stage: each route gets this rate (req/s) and burst. It
   * is one bucket for every partner, so it sits above any single partner's flood: a flood must be
   * refused by its own partner's share (`partnerRateLimit`), not drain the bucket the others draw
   * on (docs/security.md, "One partner could starve everyone").
   */
  throttle: { rateLimit: number; burstLimit: number };
  /**
   * Each partner's share, `<requests per second>/<burst>`, enforced by every API function's container
   * (docs/security.md): well under the stage throttle, so one partner cannot drain the shared bucket.
   */
  partnerRateLimit: string;
  logLevel: 'DEBUG' | 'INFO';
}

const CONFIGS: Record<Stage, Omit<StageConfig, 'stage'>> = {
  dev: {
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: RetentionDays.ONE_MONTH,
    archiveRetention: Duration.days(30),
    // Above what one flooding client reaches on the local cloud (~2,000 requests a second): its
    // partner's share refuses it, and the others keep the shared bucket (see STAGE_THROTTLE_NOTE).
    throttle: { rateLimit: 5000, burstLimit: 5000 },
    partnerRateLimit: '100/200',
    logLevel: 'DEBUG',
  },
  prod: {
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: RetentionDays.ONE_YEAR,
    archiveRetention: Duration.days(365),
    // The account's HTTP API quota (10,000 requests a second, burst 5,000): only it caps the stage.
    throttle: { rateLimit: 10000, burstLimit: 5000 },
    partnerRateLimit: '50/100',
    logLevel: 'INFO',
  },
};

export function stageConfig(stage: Stage): StageConfig {
  return { stage, ...CONFIGS[stage] };
}

/** `diplowire-<stage>-<suffix>`: every physical name carries the stage so stages can share an account. */
export function resourceName(stage: Stage, suffix?: string): string {
  return suffix ? `${PROJECT}-${stage}-${suffix}` : `${PROJECT}-${stage}`;
}
