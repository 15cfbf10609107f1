/**
 * Public on-demand prices in US East (N. Virginia), us-east-1, in US dollars, as AWS's pricing pages list them
 * for December 2026. Free tiers are left out: a team that runs tests at scale has used them up.
 */
export const PRICES = {
  region: 'us-east-1',
  /** Step Functions Standard workflows: per state transition ($0.025 per 1,000). */
  stateTransition: 0.025 / 1000,
  /** Fargate, Linux: per vCPU-hour and per GB-hour, billed per second with a one-minute minimum. */
  fargate: {
    onDemandX86: { vcpuHour: 0.04048, gbHour: 0.004445 },
    onDemandArm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
  },
  /**
   * Fargate Spot's price moves with spare capacity; AWS advertises "up to 70%" off on-demand, and that discount
   * is what the benchmark assumes for both architectures.
   */
  spotDiscount: 0.7,
  /** Lambda, x86: per request and per GB-second. */
  lambda: { request: 0.20 / 1_000_000, gbSecond: 0.0000166667 },
  /** S3 Standard: PUT, COPY, POST and LIST requests; GET and all other requests. */
  s3: { putOrList: 0.005 / 1000, get: 0.0004 / 1000 },
  /** CloudWatch Logs: per GB ingested (the state machine logs every event at level ALL). */
  logsIngestedGb: 0.50,
} as const;

/** Fargate bills at least this long for every task. */
export const FARGATE_MINIMUM_SECONDS = 60;

export type FargateOffer = 'onDemandX86' | 'onDemandArm64' | 'spotX86' | 'spotArm64';
export const FARGATE_OFFERS: readonly FargateOffer[] = ['onDemandX86', 'onDemandArm64', 'spotX86', 'spotArm64'];

/** The price of one task-second of a task of this size. */
export function fargatePerSecond(offer: FargateOffer, vcpu: number, memoryGb: number): number {
  const rates = offer === 'onDemandX86' || offer === 'spotX86' ? PRICES.fargate.onDemandX86 : PRICES.fargate.onDemandArm64;
  const discount = offer.startsWith('spot') ? 1 - PRICES.spotDiscount : 1;
  return (vcpu * rates.vcpuHour + memoryGb * rates.gbHour) * discount / 3600;
}

/** The seconds Fargate bills for a task that ran this long: rounded up to the second, at least a minute. */
export function billedSeconds(seconds: number): number {
  return Math.max(FARGATE_MINIMUM_SECONDS, Math.ceil(seconds));
}

/** What one run used, as the simulation counted it. */
export interface RunUsage {
  readonly stateTransitions: number;
  /** Billed seconds of every task, each already rounded up and at least a minute. */
  readonly taskBilledSeconds: number;
  readonly taskVcpu: number;
  readonly taskMemoryGb: number;
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
  readonly s3PutOrList: number;
  readonly s3Get: number;
  readonly logBytes: number;
}

export interface RunCost {
  readonly stepFunctions: number;
  readonly fargate: Record<FargateOffer, number>;
  /** Lambda, S3 requests and state machine logs together. */
  readonly other: number;
}

export function runCost(usage: RunUsage): RunCost {
  const fargate = Object.fromEntries(FARGATE_OFFERS.map(offer =>
    [offer, usage.taskBilledSeconds * fargatePerSecond(offer, usage.taskVcpu, usage.taskMemoryGb)])) as Record<FargateOffer, number>;
  return {
    stepFunctions: usage.stateTransitions * PRICES.stateTransition,
    fargate,
    other: usage.lambdaRequests * PRICES.lambda.request
      + usage.lambdaGbSeconds * PRICES.lambda.gbSecond
      + usage.s3PutOrList * PRICES.s3.putOrList
      + usage.s3Get * PRICES.s3.get
      + usage.logBytes / 1e9 * PRICES.logsIngestedGb,
  };
}
