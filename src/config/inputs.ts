/**
 * Input names as constants (actions/cache style) with their defaults and descriptions.
 * action.yml is checked against this table by a test, and the README's input table is generated from it.
 */
export interface InputSpec {
  name: string
  description: string
  /** Default as the user would write it in a workflow; '' means "unset". */
  default: string
  required?: boolean
}

export const Inputs = {
  StartCommand: 'start-command',
  WorkingDirectory: 'working-directory',
  Port: 'port',
  TargetUrl: 'target-url',
  ReadyUrl: 'ready-url',
  GrpcProto: 'grpc-proto',
  GrpcMethod: 'grpc-method',
  GrpcRequest: 'grpc-request',
  GrpcMetadata: 'grpc-metadata',
  ReadyTimeout: 'ready-timeout',
  StopTimeout: 'stop-timeout',
  MemoryLimit: 'memory-limit',
  MaxProcesses: 'max-processes',
  Env: 'env',
  PassEnv: 'pass-env',
  ServiceName: 'service-name',
  SamplingRates: 'sampling-rates',
  Rounds: 'rounds',
  RoundDuration: 'round-duration',
  WarmupDuration: 'warmup-duration',
  WarmupCap: 'warmup-cap',
  WarmupMin: 'warmup-min',
  Connections: 'connections',
  OpenLoopRate: 'open-loop-rate',
  MaxP99OpenOverhead: 'max-p99-open-overhead',
  Spike: 'spike',
  RequestTimeout: 'request-timeout',
  MaxErrorRate: 'max-error-rate',
  MaxQpsOverhead: 'max-qps-overhead',
  MaxP99Overhead: 'max-p99-overhead',
  MaxCpuOverhead: 'max-cpu-overhead',
  Confidence: 'confidence',
  OnInconclusive: 'on-inconclusive',
  Seed: 'seed',
  OtlpProtocol: 'otlp-protocol',
  CpuPinning: 'cpu-pinning',
  OutputDir: 'output-dir',
  BaseStartCommand: 'base-start-command',
  BaseWorkingDirectory: 'base-working-directory',
  BaseTracing: 'base-tracing',
  MaxQpsRegression: 'max-qps-regression',
  MaxP99Regression: 'max-p99-regression',
  MaxOverheadIncrease: 'max-overhead-increase',
  BaselinePath: 'baseline-path',
  Mode: 'mode',
  Comment: 'comment',
  CommentId: 'comment-id',
  GithubToken: 'github-token',
  ResultsFile: 'results-file',
  Results: 'results',
  ExtraArms: 'extra-arms',
  RoundDesign: 'round-design',
  ProcessesPerArm: 'processes-per-arm',
  BlocksPerBoot: 'blocks-per-boot',
  ProcessOffset: 'process-offset',
  UninstrumentedCommand: 'uninstrumented-command',
  ExportStep: 'export-step',
  HistorySize: 'history-size',
  HistoryPath: 'history-path',
  HistoryBranch: 'history-branch',
  HistoryBranchPath: 'history-branch-path',
  ChangePointAlpha: 'change-point-alpha',
  ChangePointMinEffect: 'change-point-min-effect',
  MaxRounds: 'max-rounds',
  TimeBudget: 'time-budget',
  ConfigFile: 'config-file',
  CollectorCommand: 'collector-command',
  CollectorConfig: 'collector-config',
  CollectorDrain: 'collector-drain',
  SpanStore: 'span-store',
  SpanStoreCommand: 'span-store-command'
} as const

export type InputName = (typeof Inputs)[keyof typeof Inputs]

/** Every input, in the order action.yml and the README list them. */
export const INPUT_SPECS: readonly InputSpec[] = [
  {
    name: Inputs.StartCommand,
    required: true,
    default: '',
    description:
      'Shell command that starts the service (run once per round in its own process group, e.g. `node server.js`, ' +
      '`npm start`, `./bin/api`). The service must listen on `$PORT` and read the standard `OTEL_*` variables.'
  },
  { name: Inputs.WorkingDirectory, default: '.', description: 'Directory the start command runs in.' },
  {
    name: Inputs.Port,
    default: '0',
    description: 'Port the service listens on, passed as `PORT`. `0` picks a free loopback port for every round.'
  },
  {
    name: Inputs.TargetUrl,
    default: 'http://127.0.0.1:{port}/',
    description: 'URL the load generator requests; `{port}` is replaced by the port. Only loopback hosts are allowed.'
  },
  {
    name: Inputs.ReadyUrl,
    default: '',
    description: 'URL polled until it answers 2xx before each round (`{port}` is replaced). Empty: the target URL.'
  },
  {
    name: Inputs.GrpcMethod,
    default: '',
    description:
      'gRPC target instead of HTTP: the unary method to call, `package.Service/Method` (e.g. ' +
      '`user.UserService/GetUser`), on `127.0.0.1:$PORT` without TLS, with `connections` calls in flight over up to ' +
      '8 HTTP/2 connections. Readiness is that method answering OK; `target-url` and `ready-url` do not apply. ' +
      'Non-OK statuses count as failed requests.'
  },
  {
    name: Inputs.GrpcProto,
    default: '',
    description:
      'With `grpc-method`: path of the `.proto` file that defines it, relative to `working-directory` (imports ' +
      'resolve relative to the importing file).'
  },
  {
    name: Inputs.GrpcRequest,
    default: '{}',
    description:
      'With `grpc-method`: the request message as JSON, as ghz/grpcurl take it (proto or JSON field names, 64-bit ' +
      'integers and enums as strings, bytes as base64); unknown fields are an error. Sent unchanged by every call.'
  },
  {
    name: Inputs.GrpcMetadata,
    default: '',
    description:
      'With `grpc-method`: call metadata, one `key=value` per line (keys ending in `-bin` take base64 values).'
  },
  { name: Inputs.ReadyTimeout, default: '30', description: 'Seconds to wait for the service to become ready.' },
  {
    name: Inputs.StopTimeout,
    default: '5',
    description: 'Seconds between SIGTERM and SIGKILL when stopping the service (SDKs flush spans on SIGTERM).'
  },
  {
    name: Inputs.MemoryLimit,
    default: '2GiB',
    description:
      'Memory cap of each service instance and everything it starts (e.g. `2GiB`, `512MiB`; `0` turns it off), the ' +
      'same for every arm so it cannot bias a comparison. A service over it fails its round with a named error ' +
      'instead of taking the runner down. Enforced with a cgroup where the gate can make one (cgroup v2 directly ' +
      "or through passwordless `sudo`, cgroup v1), else by a watchdog on the service's resident memory; the report " +
      'says which applied. The default leaves a 2-core, 7 GiB GitHub-hosted runner about 4 GiB for the gate, the ' +
      'runner and a second side-by-side arm.'
  },
  {
    name: Inputs.MaxProcesses,
    default: '512',
    description:
      'Most processes and threads of each service instance (kernel tasks, as cgroup `pids.max` counts them; `0` ' +
      'turns it off), the same for every arm. A fork bomb stops at the cap and fails its round with a named error. ' +
      '512 is well above a JVM (tens of threads) or a thread-per-request server at the default connections, and far ' +
      'below the tens of thousands a runner allows. Without a cgroup: `RLIMIT_NPROC` through `prlimit`, which counts ' +
      'every process of the user and does not bind root (the report says so).'
  },
  {
    name: Inputs.Env,
    default: '',
    description: 'Extra environment for the service, one `KEY=VALUE` per line, given to every arm.'
  },
  {
    name: Inputs.PassEnv,
    default: '',
    description:
      "Names of further variables of the job's environment to pass to the service (comma- or newline-separated); " +
      'by default it gets only a minimal allowlist (see docs/security.md). `GITHUB_TOKEN`, `ACTIONS_*`, `INPUT_*` ' +
      "and the runner's command files (`GITHUB_OUTPUT`, `GITHUB_ENV`, …) are refused."
  },
  { name: Inputs.ServiceName, default: 'service-under-test', description: 'Value of `OTEL_SERVICE_NAME`.' },
  {
    name: Inputs.SamplingRates,
    default: '0.01,1',
    description:
      'Comma-separated trace sampling ratios in [0, 1]; one traced arm per rate (`parentbased_traceidratio`, ' +
      '`parentbased_always_on` for 1). `none` (with `base-start-command`): no traced arm, a pure head-vs-base ' +
      'regression check.'
  },
  {
    name: Inputs.Rounds,
    default: '8',
    description: 'Number of blocks; each block runs every arm once in a seeded random order (RMIT). At least 3.'
  },
  {
    name: Inputs.RoundDuration,
    default: 'auto',
    description:
      "Measured seconds per round (an arm in a block). `auto`: 4 s with `round-design: alternating` (each arm's " +
      'own slices, alone on the core: a block of 3 arms measures 12 s), 10 s side by side or sequential (side by ' +
      'side on the reference 2-core runner the per-block A/A QPS noise had a median of 3.2 % at 5 s and 2.3 % at 10 ' +
      's, and 15 s was no better; docs/accuracy.md).'
  },
  {
    name: Inputs.WarmupDuration,
    default: 'auto',
    description:
      '`auto`: each service process is loaded (discarded) until its throughput is steady: the mean of its last 3 ' +
      'seconds of load within 3 % of the 3 before (at least 6 s of load), or until `warmup-cap`; the report ' +
      "shows each arm's warm-up and warns when the cap ended it (the number may then include start-up cost). A " +
      'number: that many seconds of load per process, fixed. With `round-design: alternating` every arm of the ' +
      'block warms up at once on the shared core, and a second shared by n processes counts as 1/n second of ' +
      'load for each.'
  },
  {
    name: Inputs.WarmupCap,
    default: 'auto',
    description:
      'With `warmup-duration: auto`: the most seconds of load a process gets before measuring when it never turns ' +
      'steady. `auto`: 150 for a JVM (a start command running `java`, `mvn`, `gradle`, a `-jar`/`-javaagent`, or ' +
      'a `-javaagent` in `JAVA_TOOL_OPTIONS`/`JDK_JAVA_OPTIONS` of `env`), 30 otherwise. The time budget then ' +
      'allows fewer blocks.'
  },
  {
    name: Inputs.WarmupMin,
    default: 'auto',
    description:
      'With `warmup-duration: auto`: seconds of load every process gets before the steady rule may end its ' +
      'warm-up. `auto`: 120 for a JVM, 0 otherwise. Measured on the reference VM (docs/round-designs.md): the ' +
      'Java agent fixture at 1 % read 22.0 % QPS overhead with the steady rule alone, 16.4 % after 120 s of load; ' +
      'its traced arm climbs too slowly for the rule to see. A default JVM block of two arms took 257 s there, ' +
      'so raise `time-budget` with it (the report says which budget holds two looks).'
  },
  {
    name: Inputs.Connections,
    default: '50',
    description:
      'Concurrent connections of the closed-loop load: one level, or a comma-separated list such as `10,50,200` ' +
      '(each round then measures every level in turn on the same boot; the first level is the primary one that the ' +
      'budgets gate, the others are reported). On a 2-core runner a service saturates long before 1000 connections ' +
      'and more only add queueing, so the classic low/medium/high of 100/1000/5000 maps to about `10,50,200` here.'
  },
  {
    name: Inputs.OpenLoopRate,
    default: 'none',
    description:
      'Open-loop latency phase after the closed-loop level(s) of every round: requests sent at a constant rate ' +
      'whatever the answers (latency from the scheduled send time, so the P99 is free of coordinated omission). ' +
      "`auto`: 60% of the `off` arm's QPS, measured once in a calibration round before the blocks; a number: " +
      'requests per second; `none` (default): no open-loop phase.'
  },
  {
    name: Inputs.MaxP99OpenOverhead,
    default: 'none',
    description:
      'With `open-loop-rate`: budget in percent for the open-loop P99 added by tracing at each sampling rate. `none` ' +
      '(default): reported, not gated.'
  },
  {
    name: Inputs.Spike,
    default: '',
    description:
      'Spike profile after the blocks: `N` or `N/seconds` (e.g. `200/30`) boots `off` and each traced arm once, ' +
      'warms it up and ramps the closed-loop load 0 → N → 0 connections in 10 stages (default 30 s in all). Reports ' +
      'QPS, P99 and errors per stage; a single run, never gated, and errors during it do not fail the run. Empty ' +
      '(default): no spike.'
  },
  { name: Inputs.RequestTimeout, default: '10', description: 'Seconds before a request counts as timed out.' },
  {
    name: Inputs.MaxErrorRate,
    default: '1',
    description: 'Percent of failed requests (errors, timeouts, non-2xx) above which a round fails the run.'
  },
  {
    name: Inputs.MaxQpsOverhead,
    default: '10',
    description: 'Budget in percent for the QPS lost to tracing at each sampling rate. `none`: reported, not gated.'
  },
  {
    name: Inputs.MaxP99Overhead,
    default: '20',
    description:
      'Budget in percent for the P99 latency added by tracing at each sampling rate. `none`: reported, not gated.'
  },
  {
    name: Inputs.MaxCpuOverhead,
    default: 'none',
    description:
      "Budget in percent for the extra CPU per request with tracing on: CPU-seconds of the service's whole process " +
      'tree (Linux /proc) per 1,000 successful requests, traced arm vs off. Steadier than QPS on a noisy runner. ' +
      '`none` (default): reported, not gated.'
  },
  {
    name: Inputs.Confidence,
    default: '95',
    description:
      'Confidence level in percent of the intervals; a comparison fails only when its whole interval is beyond the ' +
      'budget.'
  },
  {
    name: Inputs.OnInconclusive,
    default: 'warn',
    description:
      'What an inconclusive verdict (interval straddles the budget) does to the check: `warn`, `fail` or `pass`.'
  },
  {
    name: Inputs.Seed,
    default: '',
    description: 'Seed of the round order (printed in the report); set it to reproduce a run. Empty: random.'
  },
  {
    name: Inputs.OtlpProtocol,
    default: 'http/protobuf',
    description:
      'Value of `OTEL_EXPORTER_OTLP_PROTOCOL` given to the service: `http/protobuf`, `http/json` or `grpc` ' +
      '(OTLP/gRPC, the Go and Java SDK default; the embedded receiver then serves gRPC and ' +
      '`OTEL_EXPORTER_OTLP_ENDPOINT` points at it).'
  },
  {
    name: Inputs.CpuPinning,
    default: 'auto',
    description:
      '`auto`: with `round-design: alternating` or `side-by-side` the services share CPU 0 and the load generator ' +
      'and receiver get the other CPUs (`taskset`, at least 2 CPUs); with `sequential` nothing is pinned (measured ' +
      'steadier that way, see docs/accuracy.md). `on` pins in both designs; `off` never pins. Where pinning is ' +
      'impossible the report says so.'
  },
  {
    name: Inputs.RoundDesign,
    default: 'alternating',
    description:
      '`alternating`: every arm runs as a process of its own, the services confined to one shared core, and the ' +
      'closed-loop load goes to one arm at a time in 1 s slices in a balanced order (A B C, C B A, …): each arm is ' +
      'measured alone on the core while the slices cancel host drift. The processes are kept across blocks from one ' +
      'look to the next (`blocks-per-boot`), so warm-up is paid once per boot. `side-by-side`: the arms of a block ' +
      'run at the same time, fresh processes every block, each with its own equal closed-loop load, their services ' +
      'confined to one shared core (duet benchmarking: a slower host slows every arm at once). `sequential`: one ' +
      'arm after the other (needs no `{port}`).'
  },
  {
    name: Inputs.ProcessesPerArm,
    default: '1',
    description:
      "Side-by-side only: processes of each arm started fresh per block (1–4). The arm's result for the block is " +
      'their sum (QPS, CPU, spans) and the union of their latencies, and `connections` is split evenly among them. ' +
      'Each process keeps its own speed offset for life, so k processes cut that part of the per-block noise by ' +
      'about √k, for k times the boots. More processes on the shared core also raise the measured cost of tracing ' +
      '(the Node fixture at 1 %: 39 % QPS with 3 services, 61 % with 6; docs/accuracy.md): compare runs at one ' +
      'setting. One `connections` level, no open-loop phase.'
  },
  {
    name: Inputs.BlocksPerBoot,
    default: 'auto',
    description:
      'Alternating design: how many blocks the same service processes measure before they are restarted (a boot; ' +
      'every look also ends one). Each process keeps a small speed offset for life (0.2–1.7 % on the reference VM), ' +
      'which the blocks of one boot share, so the interval adds it (`process-offset`) and more blocks on the same ' +
      'processes do not average it out. `auto`: the boot length that gives the narrowest interval for the time, ' +
      'from the measured boot (start-up + warm-up) and block times: √(boot time × 3 %² / (block time × offset²)), ' +
      'so a service that warms up in seconds gets fresh processes every block or two and a JVM boots once per look. ' +
      'A number N: at most N blocks per boot; `1`: fresh processes every block. Side by side and sequential: `1`.'
  },
  {
    name: Inputs.ProcessOffset,
    default: 'auto',
    description:
      "SD in percent of a fresh process's lifelong speed offset: the prior the interval adds for blocks that share " +
      'processes (`blocks-per-boot`), raised to what the boots themselves show when they scatter more. `auto`: the ' +
      'value measured on the reference VM for the runtime (docs/round-designs.md). Set your own from an A/A run of ' +
      'your service (`bench/probes/process-offset.mjs`).'
  },
  {
    name: Inputs.MaxRounds,
    default: 'auto',
    description:
      'Most blocks of a run (`auto`: 3 × `rounds`). The verdict is looked at after `rounds` blocks and again every ' +
      '`rounds` blocks up to this number or what `time-budget` holds (a group-sequential design with alpha ' +
      'spending); the run stops as soon as every gated comparison is decided. Equal to `rounds`: one look.'
  },
  {
    name: Inputs.TimeBudget,
    default: '180',
    description:
      'Seconds of wall time a run may take (`0`: no limit). The looks are planned from it and the time per block ' +
      '(estimated before the first block, measured after it and after every look): the first after `rounds` blocks, ' +
      'then every `rounds` blocks up to what the budget holds, the last at that; when it holds fewer than 2 × ' +
      '`rounds` blocks the first look comes earlier (at 55 % of them, at least 5) so that a second one fits. The ' +
      'last look spends all the α not yet spent; the plan depends on the clock, not the data, so the error rates ' +
      'stay those of `confidence`. On a 2-core runner the default 3 min gives the Node fixture (3 arms, alternating: ' +
      'about 35 s per boot and 14 s per warm block) looks after about 5 and 8 blocks; when the budget cannot hold ' +
      'two looks the report says so and which budget would, and for a comparison left INCONCLUSIVE which one would ' +
      "likely decide it at that run's noise and pace. `0` or a larger budget runs the full plan (8, 16, 24 blocks)."
  },
  {
    name: Inputs.UninstrumentedCommand,
    default: '',
    description:
      'The service started without any agent or SDK (e.g. `java -jar app.jar` without `-javaagent`). Adds the arm ' +
      '`none`; the report splits the cost of tracing into instrumentation loaded but off (none → off) and ' +
      'sampling/export at each rate (off → on).'
  },
  {
    name: Inputs.ExportStep,
    default: 'false',
    description:
      '`true` adds, per sampling rate, an arm that samples and records like `on@r` but exports nothing ' +
      '(`OTEL_TRACES_EXPORTER=none`), so the report splits off → on@r into recording and export. Meaningful only for ' +
      'SDKs that keep tracing with exporter `none` (Go fixture, Java agent, Python and Node SDKs).'
  },
  {
    name: Inputs.CollectorCommand,
    default: '',
    description:
      'An OpenTelemetry Collector binary (your own distribution, e.g. `./otelcol-custom`) that the traced arms ' +
      "export to instead of the gate's receiver: per block and traced process the gate starts it with `--config` " +
      'set to `collector-config` (placeholders filled in) plus a telemetry overlay, so the pipeline is service → ' +
      'collector → gate receiver. The collector is contained like the service, pinned with the load generator (not ' +
      "on the service's core), and its CPU, RSS, spans in, spans out (keep ratio) and bytes out are reported apart " +
      "from the service's. See docs/pipeline.md."
  },
  {
    name: Inputs.CollectorConfig,
    default: '',
    description:
      "The collector's YAML config (relative to `working-directory`), required with `collector-command`. It must " +
      "contain `{port}` (where its OTLP receiver listens; the service's `OTEL_EXPORTER_OTLP_ENDPOINT` points " +
      "there) and `{receiver}` (the gate's receiver URL, as the endpoint of the exporter its traces pipeline ends " +
      "in); a config without them is refused before any load. Example with the seed's tail-sampling policies: " +
      '`fixtures/collector/tail-sampling.yaml`.'
  },
  {
    name: Inputs.CollectorDrain,
    default: '5',
    description:
      "Seconds, after the service stopped, with no new span reaching the gate's receiver before the collector is " +
      "stopped (at most 60 s more in all): longer than the collector's tail-sampling `decision_wait` plus its " +
      'batch timeout, or spans still waiting for a decision are lost from the keep ratio.'
  },
  {
    name: Inputs.SpanStore,
    default: 'receiver',
    description:
      "Where the collector's kept spans are stored: `receiver` (the gate's receiver alone; storage per hour is the " +
      'bytes it got) or `jaeger` (with `collector-command`: per collector the gate also starts Jaeger v2 from ' +
      '`span-store-command` with Badger storage in a temporary directory it removes afterwards, on loopback ports ' +
      'it picks, pinned with the collector; `collector-config` must then export to `{store}` besides `{receiver}`, ' +
      "and the report adds Badger's data-directory growth per hour). See docs/pipeline.md."
  },
  {
    name: Inputs.SpanStoreCommand,
    default: '',
    description:
      'Shell command line of the Jaeger v2 binary for `span-store: jaeger` (required with it; the gate appends ' +
      '`--config=<its config>`: OTLP/HTTP receiver, Badger via the `jaeger_storage` extension, `healthcheckv2`). ' +
      'This repository builds one: `node scripts/fixtures/setup.mjs jaeger` → ' +
      '`node_modules/.cache/otlp-perf-gate/fixtures/jaeger/jaeger`.'
  },
  {
    name: Inputs.OutputDir,
    default: 'otlp-perf-gate',
    description: 'Directory for the report, the results JSON and the service logs.'
  },
  {
    name: Inputs.BaseStartCommand,
    default: '',
    description:
      'Same-job baseline (recommended): command that starts the base-branch build (check the base ref out into a ' +
      'sub-folder). Adds the arm `base/off`, interleaved with the head arms in the same blocks, and gates head vs ' +
      'base.'
  },
  {
    name: Inputs.BaseWorkingDirectory,
    default: '',
    description: 'Directory the base start command runs in. Empty: `working-directory`.'
  },
  {
    name: Inputs.BaseTracing,
    default: 'false',
    description:
      '`true` also runs the base build with tracing on (`base/on@r` per rate), to gate the change of the tracing ' +
      'overhead itself (doubles the rounds).'
  },
  {
    name: Inputs.MaxQpsRegression,
    default: '5',
    description:
      'Budget in percent for the QPS lost by the head build vs the base build, tracing off. `none`: reported, not ' +
      'gated.'
  },
  {
    name: Inputs.MaxP99Regression,
    default: '10',
    description:
      'Budget in percent for the P99 added by the head build vs the base build, tracing off. `none`: reported, not ' +
      'gated.'
  },
  {
    name: Inputs.MaxOverheadIncrease,
    default: '5',
    description:
      'With `base-tracing: true`: budget in percent for how much more tracing costs on head than on base at the ' +
      "same rate (relative: head's traced/off ratio vs base's). `none`: reported, not gated."
  },
  {
    name: Inputs.BaselinePath,
    default: '',
    description:
      'Stored baseline: the `history.json` (or a single results JSON) written by earlier runs on the default branch ' +
      '(restored with actions/cache or download-artifact). Compared with this run through the run-to-run spread of ' +
      'its runs; below 3 runs a stored comparison is inconclusive (it can neither pass nor fail: one or two runs say ' +
      'nothing of the run-to-run spread). A missing file means "no baseline".'
  },
  {
    name: Inputs.HistorySize,
    default: '5',
    description: 'Runs of main kept in `history.json` (the output `next-baseline-path`), newest last.'
  },
  {
    name: Inputs.HistoryPath,
    default: '',
    description:
      "Main's long history (`mode: record` appends one compact entry per run and finds change points; see " +
      'docs/history.md) at a local path, created when missing. When empty, the action keeps it on the data branch ' +
      '`history-branch` through the GitHub API instead. In `mode: gate` with `baseline-path`, the stored runs are ' +
      'narrowed to those since the last change point of main (the current segment).'
  },
  {
    name: Inputs.HistoryBranch,
    default: 'otlp-perf-gate-data',
    description:
      "Data branch holding main's history when `history-path` is empty (the action's default store): `mode: " +
      'record` creates it (an orphan branch with the one file) and commits each run with `github-token` (needs ' +
      '`contents: write`); `mode: gate` reads it (`contents: read`). Concurrent record runs retry on conflict and ' +
      'keep every entry.'
  },
  {
    name: Inputs.HistoryBranchPath,
    default: 'main-history.json',
    description: "Path of main's history on `history-branch`."
  },
  {
    name: Inputs.ChangePointAlpha,
    default: '0.001',
    description:
      "Largest p-value of a change point of main's history (Otava's default 0.001: with one test per entry and " +
      'series, a looser level alerts on noise).'
  },
  {
    name: Inputs.ChangePointMinEffect,
    default: '2',
    description:
      "Smallest change of a series' mean, in percent, reported as a change point of main's history (Otava: 0; " +
      'run-to-run offsets of a few percent between runners are noise, not a regression of main).'
  },
  {
    name: Inputs.Mode,
    default: 'gate',
    description:
      '`gate` measures and reports; `record` (pushes to main, scheduled runs) measures as `gate` does, then appends ' +
      'the run to the history of main (`history-path`, or the data branch `history-branch`) and reports new change ' +
      'points of main (output `change-point`); `report` only publishes the results JSON in `results-file` as the PR ' +
      'comment (for the fork-safe `workflow_run` workflow); `measure` runs every planned block (no early stop) and ' +
      'writes results.json for a later `merge` without deciding, commenting or failing (one job of a matrix; output ' +
      '`artifact-dir`); `merge` reads the runs in `results`, checks they measured the same thing and decides once ' +
      'over their pooled blocks (docs/matrix.md).'
  },
  {
    name: Inputs.Comment,
    default: 'always',
    description:
      'Sticky PR comment: `always`, `on-failure` (fail, inconclusive or error) or `never`. Needs `pull-requests: ' +
      'write`.'
  },
  {
    name: Inputs.CommentId,
    default: '',
    description: 'Extra key of the sticky comment, for several gates in one job.'
  },
  {
    name: Inputs.GithubToken,
    default: '${{ github.token }}',
    description: 'Token used to post the PR comment.'
  },
  {
    name: Inputs.ExtraArms,
    default: '',
    description:
      'More traced arms to compare with `off`, one per line: `name: KEY=VALUE KEY=VALUE` (e.g. `adaptive: ' +
      'OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.05 MY_ADAPTIVE_SAMPLER=on`). Tracing ' +
      'is on in these arms; their variables override the defaults. Gated with the overhead budgets.'
  },
  {
    name: Inputs.ResultsFile,
    default: '',
    description: '`mode: report` only: the results JSON produced by the PR workflow (downloaded artifact).'
  },
  {
    name: Inputs.Results,
    default: '',
    description:
      '`mode: merge` only: the results.json files of the `mode: measure` runs to merge (downloaded artifacts), one ' +
      'path or glob per line, e.g. `runs/*/results.json`; globs are expanded by the action, relative to the ' +
      'working directory of the step.'
  },
  {
    name: Inputs.ConfigFile,
    default: '',
    description:
      'Path (relative to the workspace) of a YAML or JSON file holding more inputs, keyed by their names, so that ' +
      'advanced settings need not crowd `with:` (schema: `schema/perf-gate.schema.json`; the CLI reads the same ' +
      'file with `--config`). An input given in `with:` with a value other than its default wins over the file, ' +
      'the file over the defaults. Relative paths in the file are relative to its folder.'
  }
]

/**
 * Inputs holding paths: resolved against the directory of whatever gave them (workspace or cwd, a
 * config file: its folder), because the engine would resolve them against process.cwd().
 */
export const PATH_INPUTS = [
  Inputs.WorkingDirectory,
  Inputs.OutputDir,
  Inputs.BaseWorkingDirectory,
  Inputs.BaselinePath,
  Inputs.ResultsFile,
  Inputs.HistoryPath
] as const

/** Output names. */
export const Outputs = {
  Verdict: 'verdict',
  QpsOverhead: 'qps-overhead',
  P99Overhead: 'p99-overhead',
  ReportPath: 'report-path',
  ResultsPath: 'results-path',
  NextBaselinePath: 'next-baseline-path',
  ChangePoint: 'change-point',
  ArtifactDir: 'artifact-dir'
} as const

export const OUTPUT_SPECS: readonly { name: string; description: string }[] = [
  { name: Outputs.Verdict, description: '`pass`, `fail`, `inconclusive` or `error`; `measured` in `mode: measure`.' },
  {
    name: Outputs.QpsOverhead,
    description: 'QPS overhead in percent of the highest sampling rate (point estimate), e.g. `4.1`.'
  },
  { name: Outputs.P99Overhead, description: 'P99 overhead in percent of the highest sampling rate, e.g. `2.3`.' },
  { name: Outputs.ReportPath, description: 'Path of the markdown report.' },
  { name: Outputs.ResultsPath, description: 'Path of the versioned results JSON.' },
  {
    name: Outputs.NextBaselinePath,
    description:
      'Path of `history.json`: the stored history read from `baseline-path` (if any) plus this run, the newest ' +
      '`history-size` runs. On main, store it as the next baseline.'
  },
  {
    name: Outputs.ChangePoint,
    description:
      '`mode: record`: the change points of main this run found for the first time, as JSON ' +
      '(`[{"series":"qps:off","commit":"…","change":-0.1,…}]`); empty when there is none.'
  },
  {
    name: Outputs.ArtifactDir,
    description:
      "`mode: measure`: absolute path of the folder to upload as this runner's artifact (results.json and " +
      'report.md), for a later `mode: merge`.'
  }
]

/** Inputs read one entry per line: repeated flags add lines, and a config-file list joins with newlines. */
export const MULTILINE_INPUTS: readonly InputName[] = [
  Inputs.Env,
  Inputs.ExtraArms,
  Inputs.GrpcMetadata,
  Inputs.Results
]

/** Inputs holding a JSON text: a config-file mapping or list is written as JSON (`grpc-request: {id: 42}`). */
export const JSON_INPUTS: readonly InputName[] = [Inputs.GrpcRequest]
