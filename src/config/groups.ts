import { Inputs, type InputName } from './inputs.js'

/** A purpose the inputs serve, in the order action.yml and the README list them. */
export interface InputGroup {
  title: string
  /** One line: what the group decides. */
  purpose: string
  /** Tuning most users never touch: the README folds these groups away. */
  advanced: boolean
  inputs: readonly InputName[]
}

/**
 * The inputs grouped by purpose, so a reader meets the everyday groups first (service, tracing, budgets,
 * baseline, report) and the measurement design, gRPC and load scenarios only when looking for them. Presentation only:
 * the input table (inputs.ts) stays the one definition; a test checks every input is in exactly one group.
 */
export const INPUT_GROUPS: readonly InputGroup[] = [
  {
    title: 'Service',
    purpose: 'How to start the service under test and where to send the load.',
    advanced: false,
    inputs: [
      Inputs.StartCommand,
      Inputs.WorkingDirectory,
      Inputs.TargetUrl,
      Inputs.ReadyUrl,
      Inputs.Env,
      Inputs.PassEnv,
      Inputs.ServiceName,
      Inputs.Port,
      Inputs.ReadyTimeout,
      Inputs.StopTimeout
    ]
  },
  {
    title: 'Tracing',
    purpose: 'Which tracing configurations are measured against tracing off.',
    advanced: false,
    inputs: [Inputs.SamplingRates, Inputs.OtlpProtocol, Inputs.ExtraArms]
  },
  {
    title: 'Budgets',
    purpose: 'What fails the check: each budget is a percentage; `none` reports without gating.',
    advanced: false,
    inputs: [
      Inputs.MaxQpsOverhead,
      Inputs.MaxP99Overhead,
      Inputs.MaxCpuOverhead,
      Inputs.MaxQpsRegression,
      Inputs.MaxP99Regression,
      Inputs.MaxOverheadIncrease,
      Inputs.MaxErrorRate,
      Inputs.OnInconclusive
    ]
  },
  {
    title: 'Baseline',
    purpose: "What the PR is compared with: main's build in the same job, or a stored history of main's runs.",
    advanced: false,
    inputs: [
      Inputs.BaseStartCommand,
      Inputs.BaseWorkingDirectory,
      Inputs.BaseTracing,
      Inputs.BaselinePath,
      Inputs.HistorySize,
      Inputs.HistoryPath,
      Inputs.HistoryBranch,
      Inputs.HistoryBranchPath,
      Inputs.ChangePointAlpha,
      Inputs.ChangePointMinEffect
    ]
  },
  {
    title: 'Report',
    purpose: 'Where the result goes: the sticky PR comment, files, the fork-safe report mode.',
    advanced: false,
    inputs: [
      Inputs.Comment,
      Inputs.CommentId,
      Inputs.GithubToken,
      Inputs.OutputDir,
      Inputs.Mode,
      Inputs.ResultsFile,
      Inputs.Results
    ]
  },
  {
    title: 'Config file',
    purpose: 'Advanced inputs kept in a file (validated against a JSON schema) instead of `with:`.',
    advanced: false,
    inputs: [Inputs.ConfigFile]
  },
  {
    title: 'gRPC target',
    purpose: 'Load a unary gRPC method instead of an HTTP URL.',
    advanced: true,
    inputs: [Inputs.GrpcMethod, Inputs.GrpcProto, Inputs.GrpcRequest, Inputs.GrpcMetadata]
  },
  {
    title: 'Measurement design',
    purpose: 'How long and how the arms are measured; the defaults were chosen by measurement (docs/method.md).',
    advanced: true,
    inputs: [
      Inputs.Rounds,
      Inputs.RoundDuration,
      Inputs.WarmupDuration,
      Inputs.WarmupCap,
      Inputs.WarmupMin,
      Inputs.Connections,
      Inputs.MaxRounds,
      Inputs.TimeBudget,
      Inputs.Confidence,
      Inputs.RoundDesign,
      Inputs.ProcessesPerArm,
      Inputs.BlocksPerBoot,
      Inputs.ProcessOffset,
      Inputs.CpuPinning,
      Inputs.RequestTimeout,
      Inputs.Seed
    ]
  },
  {
    title: 'Containment',
    purpose:
      'Caps on what a service may take from the runner: identical for every arm, so they cannot bias a comparison.',
    advanced: true,
    inputs: [Inputs.MemoryLimit, Inputs.MaxProcesses]
  },
  {
    title: 'Load scenarios and cost breakdown',
    purpose: 'An open-loop phase for honest latency, a spike, and where the cost of tracing comes from.',
    advanced: true,
    inputs: [
      Inputs.OpenLoopRate,
      Inputs.MaxP99OpenOverhead,
      Inputs.Spike,
      Inputs.UninstrumentedCommand,
      Inputs.ExportStep
    ]
  },
  {
    title: 'Collector pipeline',
    purpose:
      "Measure the service → OpenTelemetry Collector → store pipeline: the collector's cost and keep ratio, apart " +
      "from the service's.",
    advanced: true,
    inputs: [
      Inputs.CollectorCommand,
      Inputs.CollectorConfig,
      Inputs.CollectorDrain,
      Inputs.SpanStore,
      Inputs.SpanStoreCommand
    ]
  }
]
