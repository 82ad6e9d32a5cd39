import { AUTO_PROCESS_OFFSET, AUTO_WARMUP, detectRuntime, type WarmupRuntime } from './runtime.js'
import { INPUT_SPECS, Inputs, type InputName } from './inputs.js'
import { gatedComparisons, planComparisons, type PlanConfig } from '../plan/comparisons.js'
import { armsOf } from '../plan/plan.js'
import { SPIKE_DEFAULT_SEC, SPIKE_STEPS } from '../load/scenarios.js'
import type { OnInconclusive } from '../types.js'
import { forbiddenReason, parsePassEnv } from './env.js'

/** The validated, frozen configuration every later stage reads. Fractions, not percents. */
export interface Config {
  readonly startCommand: string
  readonly workingDirectory: string
  /** 0 = pick a free port per round. */
  readonly port: number
  /** URL templates with `{port}`. */
  readonly targetUrl: string
  readonly readyUrl: string
  /**
   * gRPC target (`grpc-method` set): the load calls this method on 127.0.0.1:{port} instead of requesting targetUrl.
   */
  readonly grpc: GrpcConfig | null
  readonly readyTimeoutSec: number
  readonly stopTimeoutSec: number
  /** Memory cap per service instance in bytes ('memory-limit'); 0 = off. */
  readonly memoryLimitBytes: number
  /** Most tasks (processes and threads) per service instance ('max-processes'); 0 = off. */
  readonly maxProcesses: number
  readonly env: Readonly<Record<string, string>>
  /** `pass-env`: names of the job's variables passed to the service besides the allowlist (config/env.ts). */
  readonly passEnv: readonly string[]
  readonly serviceName: string
  readonly samplingRates: readonly number[]
  readonly rounds: number
  readonly roundDurationSec: number
  /** Seconds of load before measuring, or `auto`: until steady (src/measure/steady.ts), at most `warmupCapSec`. */
  readonly warmupSec: number | 'auto'
  /** With an `auto` warm-up: most seconds of load per process before measuring (`auto`: per runtime). */
  readonly warmupCapSec: number
  /** With an `auto` warm-up: seconds of load per process before the steady rule may end it (`auto`: per runtime). */
  readonly warmupMinSec: number
  /** The runtime `auto` warm-up limits were chosen for (config/runtime.ts). */
  readonly warmupRuntime: WarmupRuntime
  /** The primary closed-loop level: `connectionLevels[0]`. */
  readonly connections: number
  /** Every closed-loop level in the order given; each round measures them in turn (one level: `[connections]`). */
  readonly connectionLevels: readonly number[]
  /** Open-loop phase rate in requests/s, `auto` (60% of the off arm's calibrated QPS) or null (no open-loop phase). */
  readonly openLoopRate: number | 'auto' | null
  /** Budget for the open-loop P99 added by tracing (fraction), null when only reported. */
  readonly maxP99OpenOverhead: number | null
  /** Spike profile (0 → peak → 0 connections over durationSec, after the blocks), or null. */
  readonly spike: { readonly peak: number; readonly durationSec: number } | null
  readonly requestTimeoutSec: number
  /** Fraction, e.g. 0.01. */
  readonly maxErrorRate: number
  /** Fraction or null when not gated. */
  readonly maxQpsOverhead: number | null
  readonly maxP99Overhead: number | null
  /** Budget for the CPU per request added by tracing (fraction), null when only reported. */
  readonly maxCpuOverhead: number | null
  /** Fraction, e.g. 0.95. */
  readonly confidence: number
  readonly onInconclusive: OnInconclusive
  /** Null = choose a random seed at run time. */
  readonly seed: number | null
  readonly otlpProtocol: 'http/protobuf' | 'http/json' | 'grpc'
  /** auto: pin in the side-by-side design only; on: always; off: never. */
  readonly cpuPinning: 'auto' | 'on' | 'off'
  /**
   * alternating: the arms of a block alive together on one shared core, the load on one at a time in slices;
   * side-by-side: loaded at once; sequential: one after another.
   */
  readonly roundDesign: 'alternating' | 'side-by-side' | 'sequential'
  /**
   * Side-by-side: processes of each arm per block (1–4), started fresh together; the arm's block result
   * is their sum (QPS, CPU, spans) and the union of their latencies, and `connections` is split among them.
   */
  readonly processesPerArm: number
  /**
   * Alternating design: most blocks one boot of the service processes measures (0: until the next look; 1: fresh
   * processes every block, the only value of the other designs).
   */
  readonly blocksPerBoot: number
  /** SD of a process's lifelong speed offset (fraction): the prior of analysis/boots.ts (`auto`: per runtime). */
  readonly processOffset: number
  /** Most blocks of a run (looks every `rounds` blocks up to this); ≥ rounds. */
  readonly maxRounds: number
  /** Wall seconds after which no further look starts; 0 = no limit. */
  readonly timeBudgetSec: number
  /** The service without agent/SDK: adds the arm `none`; null when not given. */
  readonly uninstrumentedCommand: string | null
  /** Add per rate an arm that records but exports nothing (the export step of the decomposition). */
  readonly exportStep: boolean
  /** Runs of main kept in history.json. */
  readonly historySize: number
  readonly outputDir: string
  /** Same-job baseline: the base build, booted in the same blocks; null without `base-start-command`. */
  readonly base: { readonly startCommand: string; readonly workingDirectory: string; readonly tracing: boolean } | null
  readonly maxQpsRegression: number | null
  readonly maxP99Regression: number | null
  readonly maxOverheadIncrease: number | null
  /** Stored baseline results JSON, or null. */
  readonly baselinePath: string | null
  readonly mode: Mode
  /** Main's long history (`history-path`): `mode: record` appends to it; `mode: gate` reads its current segment. */
  readonly historyPath: string | null
  /** Data branch and file of main's history when `historyPath` is null (the action's default store). */
  readonly historyBranch: string
  readonly historyBranchPath: string
  /** The change-point detector's level and minimum relative change of the mean (a fraction). */
  readonly changePointAlpha: number
  readonly changePointMinEffect: number
  readonly comment: 'always' | 'on-failure' | 'never'
  readonly commentId: string
  readonly githubToken: string
  /** `mode: report`: the results JSON to publish. */
  readonly resultsFile: string | null
  /** `mode: merge`: the results files of the measure runs, paths or globs as given (expanded by gate/merge.ts). */
  readonly mergeResults?: readonly string[]
  /** User-defined traced arms: name and the environment on top of tracing on. */
  readonly extraArms: readonly { readonly name: string; readonly env: Readonly<Record<string, string>> }[]
  /** The collector the traced arms export to (`collector-command`); null or absent: straight to the gate's receiver. */
  readonly collector?: CollectorConfig | null
}

/** A user's OpenTelemetry Collector in the traced arms' pipeline (src/measure/collector.ts). */
export interface CollectorConfig {
  /** Shell command line of the collector binary; the gate appends its `--config` arguments. */
  readonly command: string
  /** The config template, as given (relative to `workingDirectory` unless absolute); read by the engine. */
  readonly configPath: string
  /** Quiet seconds on the receiver after the service stopped before the collector is stopped. */
  readonly drainSec: number
  /**
   * `span-store: jaeger`: a Jaeger v2 binary the gate starts beside each collector (Badger in a temp dir),
   * filled in for the config's {store}; null: the gate's receiver is the only store (`span-store: receiver`).
   */
  readonly spanStore?: SpanStoreConfig | null
}

/** A real span store behind the collector (src/measure/span-store.ts). */
export interface SpanStoreConfig {
  readonly kind: 'jaeger'
  /** Shell command line of the Jaeger v2 binary; the gate appends `--config=<its rendered config>`. */
  readonly command: string
}

/** A gRPC load target as configured; the proto file is only read (and the method checked) by the engine. */
export interface GrpcConfig {
  /** As given, relative to `workingDirectory` unless absolute. */
  readonly protoPath: string
  /** `package.Service/Method` as given (ghz's `package.Service.Method` too). */
  readonly method: string
  /** The parsed `grpc-request` JSON object. */
  readonly request: Readonly<Record<string, unknown>>
  readonly metadata: Readonly<Record<string, string>>
}

/** Raw inputs as strings, keyed by input name; missing and '' both mean "use the default". */
export type RawInputs = Partial<Record<InputName, string>>

/** A bad input: the message names the input, quotes the value and says what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

const DEFAULTS: Record<string, string> = Object.fromEntries(INPUT_SPECS.map((s) => [s.name, s.default]))

function bad(input: string, value: string, expected: string): ConfigError {
  return new ConfigError(input, `'${input}' must be ${expected}, got '${value}'`)
}

/** Typed getters over the raw strings: each applies the default and validates one rule. */
class Reader {
  readonly errors: ConfigError[] = []
  constructor(private readonly raw: RawInputs) {}

  str(name: InputName): string {
    const v = this.raw[name]
    return v === undefined || v.trim() === '' ? (DEFAULTS[name] ?? '') : v.trim()
  }

  /** Collects errors so one run reports every bad input at once. */
  private guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn()
    } catch (e) {
      if (e instanceof ConfigError) {
        this.errors.push(e)
        return fallback
      }
      throw e
    }
  }

  required(name: InputName): string {
    return this.guard(() => {
      const v = this.str(name)
      if (v === '') throw new ConfigError(name, `'${name}' is required (e.g. 'node server.js'), got ''`)
      return v
    }, '')
  }

  number(name: InputName, expected: string, ok: (n: number) => boolean, integer = false): number {
    return this.guard(() => {
      const v = this.str(name)
      const n = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : NaN
      if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || !ok(n)) throw bad(name, v, expected)
      return n
    }, NaN)
  }

  uint(name: InputName, min: number, max: number): number {
    return this.number(name, `an integer from ${min} to ${max}`, (n) => n >= min && n <= max, true)
  }

  /**
   * A size: bytes or a number with a unit (`512MiB`, `2GiB`, `2G` = GiB as the kernel's own cgroup files
   * count, `1.5GB` = 10^9); `0` means off. Below `min` bytes is refused: no service starts in less.
   */
  bytes(name: InputName, min: number): number {
    return this.guard(() => {
      const v = this.str(name)
      const m = /^(\d+(?:\.\d+)?)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)$/i.exec(v)
      const unit = (m?.[2] ?? '').toLowerCase()
      const scale: Record<string, number> = {
        '': 1,
        b: 1,
        k: 1024,
        kib: 1024,
        kb: 1e3,
        m: 1024 ** 2,
        mib: 1024 ** 2,
        mb: 1e6,
        g: 1024 ** 3,
        gib: 1024 ** 3,
        gb: 1e9,
        t: 1024 ** 4,
        tib: 1024 ** 4,
        tb: 1e12
      }
      const n = m === null ? NaN : Math.round(Number(m[1]) * (scale[unit] as number))
      if (!Number.isFinite(n) || (n !== 0 && n < min) || n > 2 ** 50)
        throw bad(name, v, `a size such as '2GiB' or '512MiB' of at least ${min / 1024 ** 2} MiB, or 0 for no cap`)
      return n
    }, 0)
  }

  seconds(name: InputName, min: number, max: number): number {
    return this.number(name, `a number of seconds from ${min} to ${max}`, (n) => n >= min && n <= max)
  }

  /** Percent → fraction; 'none' → null (report without gating) when optional. '' means the default. */
  percent(name: InputName, opts: { min: number; max: number; optional: boolean }): number | null {
    if (opts.optional && this.str(name).toLowerCase() === 'none') return null
    const n = this.number(
      name,
      `a percentage from ${opts.min} to ${opts.max}${opts.optional ? " (or 'none' to report without gating)" : ''}`,
      (x) => x >= opts.min && x <= opts.max
    )
    return n / 100
  }

  choice<T extends string>(name: InputName, choices: readonly T[]): T {
    return this.guard(() => {
      const v = this.str(name).toLowerCase()
      if (!(choices as readonly string[]).includes(v)) throw bad(name, this.str(name), `one of ${choices.join(', ')}`)
      return v as T
    }, choices[0])
  }

  bool(name: InputName): boolean {
    return this.guard(() => {
      const v = this.str(name)
      // The YAML 1.2 core schema's booleans, as @actions/core getBooleanInput accepts them.
      if (['true', 'True', 'TRUE'].includes(v)) return true
      if (['false', 'False', 'FALSE'].includes(v)) return false
      throw bad(name, v, 'true or false')
    }, false)
  }

  list(name: InputName): string[] {
    return this.str(name)
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter((s) => s !== '')
  }

  add(e: ConfigError): void {
    this.errors.push(e)
  }
}

function parseEnv(input: string, text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const key = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new ConfigError(
        input,
        `'${input}' line ${i + 1} must be KEY=VALUE with a valid variable name, got '${line}'`
      )
    }
    // Only the name is quoted: the value may be a secret.
    const why = forbiddenReason(key)
    if (why !== null)
      throw new ConfigError(input, `'${input}' line ${i + 1} sets ${key}, which is never given to the service (${why})`)
    env[key] = line.slice(eq + 1).trim()
  }
  return env
}

/** `pass-env`: variable names, none of them forbidden (config/env.ts). */
function parsePassEnvInput(input: string, text: string): string[] {
  const names = parsePassEnv(text)
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new ConfigError(input, `'${input}' must list variable names, got '${name}'`)
    const why = forbiddenReason(name)
    if (why !== null)
      throw new ConfigError(input, `'${input}' lists ${name}, which is never given to the service (${why})`)
  }
  return names
}

/** `name: KEY=VALUE KEY=VALUE` lines of the extra-arms input. */
function parseExtraArms(input: string, text: string): { name: string; env: Record<string, string> }[] {
  const arms: { name: string; env: Record<string, string> }[] = []
  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^([A-Za-z][A-Za-z0-9_.-]{0,39}):\s*(.*)$/.exec(line)
    if (!m)
      throw new ConfigError(
        input,
        `'${input}' line ${i + 1} must be 'name: KEY=VALUE …' with a name of letters, digits, '.', '_' or '-', got ` +
          `'${line}'`
      )
    const [, name, rest] = m
    if (['off', 'on', 'base', 'stored'].includes(name.toLowerCase()) || arms.some((a) => a.name === name)) {
      throw new ConfigError(input, `'${input}' line ${i + 1}: the arm name '${name}' is reserved or used twice`)
    }
    const env: Record<string, string> = {}
    for (const pair of rest.split(/\s+/).filter((x) => x !== '')) {
      const eq = pair.indexOf('=')
      const key = eq > 0 ? pair.slice(0, eq) : ''
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        throw new ConfigError(input, `'${input}' line ${i + 1} must list KEY=VALUE pairs after the name, got '${pair}'`)
      }
      env[key] = pair.slice(eq + 1)
    }
    arms.push({ name, env })
  }
  return arms
}

function checkLoopbackUrl(input: string, template: string): void {
  // Two port values: '[::{port}]' is loopback with port 1 only (the run checks the filled URL again).
  for (const port of ['1', '8080']) {
    let url: URL
    try {
      url = new URL(template.replaceAll('{port}', port))
    } catch {
      throw bad(input, template, 'an http:// URL such as http://127.0.0.1:{port}/path')
    }
    if (url.protocol !== 'http:') throw bad(input, template, 'an http:// URL (https is not supported on loopback)')
    // The load generator must never point at another machine: the gate measures a service it started itself.
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw bad(input, template, 'a loopback URL (host 127.0.0.1, localhost or [::1])')
    }
  }
}

/**
 * What the load targets, for reports and baseline matching: the URL template, or `grpc://127.0.0.1:{port}/<method>`.
 */
export function targetOf(c: Pick<Config, 'targetUrl' | 'grpc'>): string {
  return c.grpc ? `grpc://127.0.0.1:{port}/${c.grpc.method.replace(/^\//, '')}` : c.targetUrl
}

/** The gRPC inputs, or null without `grpc-method`; a gRPC input without it is an error, never ignored. */
function parseGrpc(r: Reader, raw: RawInputs): GrpcConfig | null {
  const changed = (name: InputName): boolean => r.str(name) !== (DEFAULTS[name] ?? '')
  const method = r.str(Inputs.GrpcMethod)
  if (method === '') {
    for (const name of [Inputs.GrpcProto, Inputs.GrpcRequest, Inputs.GrpcMetadata] as const) {
      if (changed(name))
        r.add(new ConfigError(name, `'${name}' needs 'grpc-method' (the gRPC method to load), got '${r.str(name)}'`))
    }
    return null
  }
  if (!/^\/?[A-Za-z_][\w.]*[/.][A-Za-z_]\w*$/.test(method))
    r.add(bad(Inputs.GrpcMethod, method, 'package.Service/Method such as user.UserService/GetUser'))
  // A gRPC target has no URL: a set target-url or ready-url would be silently unused.
  for (const name of [Inputs.TargetUrl, Inputs.ReadyUrl] as const) {
    if (changed(name)) {
      r.add(
        new ConfigError(
          name,
          `'${name}' does not apply when 'grpc-method' is set (the load calls the method on 127.0.0.1:$PORT and ` +
            `readiness is that call answering OK); remove it, got '${r.str(name)}'`
        )
      )
    }
  }
  const protoPath = r.str(Inputs.GrpcProto)
  if (protoPath === '')
    r.add(
      new ConfigError(
        Inputs.GrpcProto,
        `'${Inputs.GrpcProto}' is required with 'grpc-method' (the .proto file that defines ${method}), got ''`
      )
    )
  let request: Record<string, unknown> = {}
  const requestText = r.str(Inputs.GrpcRequest)
  try {
    const parsed: unknown = JSON.parse(requestText)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    request = parsed as Record<string, unknown>
  } catch (e) {
    r.add(
      bad(
        Inputs.GrpcRequest,
        requestText,
        `a JSON object such as {"user_id":"123"} (${e instanceof Error ? e.message : String(e)})`
      )
    )
  }
  const metadata: Record<string, string> = {}
  for (const [i, rawLine] of (raw[Inputs.GrpcMetadata] ?? '').split('\n').entries()) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const key = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!/^[0-9A-Za-z_.-]+$/.test(key)) {
      r.add(
        new ConfigError(
          Inputs.GrpcMetadata,
          `'${Inputs.GrpcMetadata}' line ${i + 1} must be key=value with a key of letters, digits, '_', '-', '.', ` +
            `got '${line}'`
        )
      )
      continue
    }
    metadata[key.toLowerCase()] = line.slice(eq + 1).trim()
  }
  return Object.freeze({ protoPath, method, request: Object.freeze(request), metadata: Object.freeze(metadata) })
}

/** The load-scenario inputs: connection levels, open-loop phase and spike (see src/load/scenarios.ts). */
function parseScenarios(
  r: Reader
): Pick<Config, 'connections' | 'connectionLevels' | 'openLoopRate' | 'maxP99OpenOverhead' | 'spike'> {
  const connText = r.str(Inputs.Connections)
  const items = r.list(Inputs.Connections)
  let connectionLevels: number[]
  if (items.length <= 1) {
    // One level: the original input and message, unchanged.
    connectionLevels = [r.uint(Inputs.Connections, 1, 100000)]
  } else {
    connectionLevels = []
    for (const item of items) {
      const n = /^\d+$/.test(item) ? Number(item) : NaN
      if (!(Number.isInteger(n) && n >= 1 && n <= 100000)) {
        r.add(
          new ConfigError(
            Inputs.Connections,
            `'${Inputs.Connections}' must be integers from 1 to 100000 (the first is the primary level), got ` +
              `'${item}' in '${connText}'`
          )
        )
      } else if (connectionLevels.includes(n)) {
        r.add(new ConfigError(Inputs.Connections, `'${Inputs.Connections}' lists ${item} twice in '${connText}'`))
      } else connectionLevels.push(n)
    }
    if (connectionLevels.length === 0) connectionLevels = [NaN]
  }

  const rateText = r.str(Inputs.OpenLoopRate)
  let openLoopRate: number | 'auto' | null = null
  if (rateText.toLowerCase() === 'auto') openLoopRate = 'auto'
  else if (rateText.toLowerCase() !== 'none') {
    openLoopRate = r.number(
      Inputs.OpenLoopRate,
      "'auto', 'none' or a rate in requests per second from 1 to 1000000",
      (x) => x >= 1 && x <= 1_000_000
    )
  }
  const maxP99OpenOverhead = r.percent(Inputs.MaxP99OpenOverhead, { min: 0, max: 10000, optional: true })
  if (openLoopRate === null && maxP99OpenOverhead !== null) {
    r.add(
      new ConfigError(
        Inputs.MaxP99OpenOverhead,
        `'${Inputs.MaxP99OpenOverhead}' needs 'open-loop-rate' ('auto' or requests per second), got ` +
          `'${r.str(Inputs.MaxP99OpenOverhead)}'`
      )
    )
  }
  if (openLoopRate !== null && r.str(Inputs.GrpcMethod) !== '') {
    r.add(
      new ConfigError(
        Inputs.OpenLoopRate,
        `'${Inputs.OpenLoopRate}' is not supported with 'grpc-method' yet (the open-loop generator speaks HTTP/1.1); ` +
          `set it to 'none', got '${rateText}'`
      )
    )
  }

  const spikeText = r.str(Inputs.Spike)
  let spike: Config['spike'] = null
  if (spikeText !== '' && spikeText.toLowerCase() !== 'none') {
    const m = /^(\d+)(?:\s*\/\s*(\d+(?:\.\d+)?))?$/.exec(spikeText)
    const peak = m ? Number(m[1]) : NaN
    const durationSec = m?.[2] !== undefined ? Number(m[2]) : SPIKE_DEFAULT_SEC
    if (!m || !(peak >= 1 && peak <= 100000)) {
      r.add(bad(Inputs.Spike, spikeText, "'N' or 'N/seconds' with N peak connections from 1 to 100000, e.g. '200/30'"))
    } else if (!(durationSec >= 2 && durationSec <= 3600)) {
      r.add(
        bad(
          Inputs.Spike,
          spikeText,
          `a ramp of 2 to 3600 seconds after the '/' (each of its ${2 * SPIKE_STEPS} stages lasts ` +
            `1/${2 * SPIKE_STEPS} of it), e.g. '${peak}/30'`
        )
      )
    } else spike = { peak, durationSec }
  }
  return { connections: connectionLevels[0], connectionLevels, openLoopRate, maxP99OpenOverhead, spike }
}

/**
 * How many comparisons a run gates (the Holm family size): the gated part of the comparison plan for
 * the configured arms, CPU counted when it is budgeted, the stored baseline when one is configured.
 */
export function gatedComparisonCount(
  c: PlanConfig &
    Pick<Config, 'samplingRates' | 'extraArms' | 'base' | 'baselinePath'> &
    Partial<Pick<Config, 'uninstrumentedCommand' | 'exportStep'>>,
  /** Whether a stored baseline will be compared (default: one is configured). */
  stored: boolean = c.baselinePath !== null
): number {
  const arms = armsOf({ ...c, uninstrumentedCommand: c.uninstrumentedCommand ?? null })
  return gatedComparisons(planComparisons(c, arms, { cpuMeasured: c.maxCpuOverhead !== null, stored })).length
}

/** Run one input's parser; a ConfigError is collected (so every bad input is reported at once) and `fallback` used. */
function tryParse<T>(r: Reader, fallback: T, parse: () => T): T {
  try {
    return parse()
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    r.add(e)
    return fallback
  }
}

/** The `sampling-rates` list: ratios in [0, 1], no duplicates; 'none' only with a base build. */
function parseSamplingRates(r: Reader, baseCommand: string): number[] {
  const samplingRates: number[] = []
  // 'none' (no traced arm) only makes sense against a base build: a pure head-vs-base regression run.
  const noRates = r.str(Inputs.SamplingRates).toLowerCase() === 'none' && baseCommand !== ''
  const rateItems = noRates ? [] : r.list(Inputs.SamplingRates)
  if (rateItems.length === 0 && !noRates) {
    r.add(
      bad(
        Inputs.SamplingRates,
        r.str(Inputs.SamplingRates),
        "a comma-separated list of ratios in [0, 1] such as 0.01,1 ('none' only with 'base-start-command')"
      )
    )
  }
  for (const item of rateItems) {
    const n = /^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(item) ? Number(item) : NaN
    if (!(n >= 0 && n <= 1)) {
      r.add(
        new ConfigError(
          Inputs.SamplingRates,
          `'${Inputs.SamplingRates}' must be ratios in [0, 1] (0.01 = 1%), got '${item}' in ` +
            `'${r.str(Inputs.SamplingRates)}'`
        )
      )
    } else if (samplingRates.includes(n)) {
      r.add(
        new ConfigError(
          Inputs.SamplingRates,
          `'${Inputs.SamplingRates}' lists ${item} twice in '${r.str(Inputs.SamplingRates)}'`
        )
      )
    } else samplingRates.push(n)
  }
  return samplingRates
}

/** Several processes per arm: side by side only, each with at least one connection, closed loop at one level only. */
function checkProcessesPerArm(r: Reader, config: Config): void {
  const k = config.processesPerArm
  if (k === 1 || Number.isNaN(k)) return
  const raw = r.str(Inputs.ProcessesPerArm)
  const need = (what: string): void => r.add(bad(Inputs.ProcessesPerArm, raw, what))
  if (config.roundDesign !== 'side-by-side')
    need(`1 with 'round-design: ${config.roundDesign}' (the processes of an arm run side by side)`)
  else if (config.connectionLevels.length > 1)
    need(
      `1 with several 'connections' levels (${config.connectionLevels.join(',')}); more processes per arm measure ` +
        `one level`
    )
  else if (config.openLoopRate !== null)
    need(`1 with 'open-loop-rate' set; more processes per arm measure the closed loop only`)
  else if (config.connections < k)
    need(`at most 'connections' (${config.connections}): the arm's connections are split among its processes`)
}

/** `collector-command` with its config and drain; null without a command. */
function parseCollector(r: Reader): CollectorConfig | null {
  const command = r.str(Inputs.CollectorCommand)
  const configPath = r.str(Inputs.CollectorConfig)
  const drainSec = r.seconds(Inputs.CollectorDrain, 0, 300)
  if (command === '') {
    if (configPath !== '')
      r.add(
        new ConfigError(
          Inputs.CollectorConfig,
          `'${Inputs.CollectorConfig}' needs 'collector-command' (the collector binary to run it), got '${configPath}'`
        )
      )
    checkSpanStoreWithoutCollector(r)
    return null
  }
  if (configPath === '') {
    r.add(
      new ConfigError(
        Inputs.CollectorConfig,
        `'${Inputs.CollectorConfig}' is required with 'collector-command' ('${command}'): a YAML config with {port} ` +
          `and {receiver}, got ''`
      )
    )
    return null
  }
  return { command, configPath, drainSec, spanStore: parseSpanStore(r, command) }
}

/** `span-store` and `span-store-command`, with a collector; null for the receiver alone. */
function parseSpanStore(r: Reader, collectorCommand: string): SpanStoreConfig | null {
  const kind = r.choice(Inputs.SpanStore, ['receiver', 'jaeger'] as const)
  const command = r.str(Inputs.SpanStoreCommand)
  if (kind === 'receiver') {
    if (command !== '')
      r.add(
        new ConfigError(
          Inputs.SpanStoreCommand,
          `'${Inputs.SpanStoreCommand}' needs 'span-store: jaeger' (the store it runs), got '${command}' with ` +
            `'span-store: receiver'`
        )
      )
    return null
  }
  if (command === '') {
    r.add(
      new ConfigError(
        Inputs.SpanStoreCommand,
        `'${Inputs.SpanStoreCommand}' is required with 'span-store: jaeger' (collector '${collectorCommand}'): a ` +
          `Jaeger v2 binary, e.g. the fixture's node_modules/.cache/otlp-perf-gate/fixtures/jaeger/jaeger, got ''`
      )
    )
    return null
  }
  return { kind, command }
}

/** `span-store`/`span-store-command` set without `collector-command`: the store is the collector's exporter target. */
function checkSpanStoreWithoutCollector(r: Reader): void {
  const kind = r.choice(Inputs.SpanStore, ['receiver', 'jaeger'] as const)
  const command = r.str(Inputs.SpanStoreCommand)
  if (kind !== 'receiver')
    r.add(
      new ConfigError(
        Inputs.SpanStore,
        `'${Inputs.SpanStore}' '${kind}' needs 'collector-command': the span store is where the collector's ` +
          `{store} exporter sends, got no collector`
      )
    )
  else if (command !== '')
    r.add(
      new ConfigError(
        Inputs.SpanStoreCommand,
        `'${Inputs.SpanStoreCommand}' needs 'collector-command' and 'span-store: jaeger', got '${command}'`
      )
    )
}

/** Rules across inputs, after each input was read on its own. */
function checkCrossRules(r: Reader, config: Config): void {
  if (r.errors.length === 0 && config.maxRounds < config.rounds) {
    r.add(
      bad(
        Inputs.MaxRounds,
        r.str(Inputs.MaxRounds),
        `at least 'rounds' (${config.rounds}): the first look is after 'rounds' blocks`
      )
    )
  }
  if (config.roundDesign !== 'sequential' && config.port !== 0) {
    r.add(
      new ConfigError(
        Inputs.Port,
        `'${Inputs.Port}' is ${config.port}, but with 'round-design: ${config.roundDesign}' the arms run at the same ` +
          `time and need a port each: leave '${Inputs.Port}' at 0 and use {port} in the URLs, or set 'round-design: ` +
          `sequential'`
      )
    )
  }
  checkProcessesPerArm(r, config)
  if (config.roundDesign !== 'alternating' && config.blocksPerBoot > 1) {
    r.add(
      bad(
        Inputs.BlocksPerBoot,
        r.str(Inputs.BlocksPerBoot),
        `'auto' or 1 with 'round-design: ${config.roundDesign}' (only the alternating design keeps processes ` +
          `across blocks)`
      )
    )
  }
  if (r.errors.length === 0 && config.warmupMinSec > config.warmupCapSec) {
    r.add(
      bad(
        Inputs.WarmupMin,
        r.str(Inputs.WarmupMin),
        `at most 'warmup-cap' (${config.warmupCapSec} s): the cap ends every warm-up`
      )
    )
  }
  if (config.base === null && r.str(Inputs.BaseTracing) === 'true') {
    r.add(
      new ConfigError(
        Inputs.BaseTracing,
        `'${Inputs.BaseTracing}' needs 'base-start-command' (the base build to trace), got 'true'`
      )
    )
  }
}

/** The config frozen all the way down: later stages read it, none may change it. */
function freezeConfig(config: Config): Config {
  return Object.freeze({
    ...config,
    connectionLevels: Object.freeze([...config.connectionLevels]),
    spike: config.spike === null ? null : Object.freeze({ ...config.spike }),
    env: Object.freeze({ ...config.env }),
    passEnv: Object.freeze([...config.passEnv]),
    samplingRates: Object.freeze([...config.samplingRates]),
    extraArms: Object.freeze(
      config.extraArms.map((a) => Object.freeze({ name: a.name, env: Object.freeze({ ...a.env }) }))
    ),
    collector: config.collector
      ? Object.freeze({
          ...config.collector,
          spanStore: config.collector.spanStore ? Object.freeze({ ...config.collector.spanStore }) : null
        })
      : null
  })
}

/** What runs and where it answers: read first, so their errors lead the list. */
function parseTarget(
  r: Reader,
  mode: Config['mode']
): Pick<Config, 'startCommand' | 'resultsFile' | 'port' | 'targetUrl' | 'readyUrl'> & { baseCommand: string } {
  // In report and merge modes nothing is measured: the service inputs are not needed.
  const startCommand =
    mode === 'report' || mode === 'merge' ? r.str(Inputs.StartCommand) : r.required(Inputs.StartCommand)
  const resultsFile = r.str(Inputs.ResultsFile) || null
  if (mode === 'report' && resultsFile === null) {
    r.add(
      new ConfigError(
        Inputs.ResultsFile,
        `'${Inputs.ResultsFile}' is required with 'mode: report' (the results JSON artifact of the PR workflow), got ''`
      )
    )
  }
  const baseCommand = r.str(Inputs.BaseStartCommand)
  const port = r.uint(Inputs.Port, 0, 65535)
  const targetUrl = r.str(Inputs.TargetUrl)
  const readyUrl = r.str(Inputs.ReadyUrl) || targetUrl
  for (const [name, value] of [
    [Inputs.TargetUrl, targetUrl],
    [Inputs.ReadyUrl, readyUrl]
  ] as const) {
    try {
      checkLoopbackUrl(name, value)
    } catch (e) {
      r.add(e as ConfigError)
    }
  }
  return { startCommand, resultsFile, baseCommand, port, targetUrl, readyUrl }
}

/** The service's process, its rounds and its load (the inputs' order, so errors keep it). */
function parseRounds(
  r: Reader,
  raw: RawInputs
): Pick<
  Config,
  | 'workingDirectory'
  | 'grpc'
  | 'readyTimeoutSec'
  | 'stopTimeoutSec'
  | 'memoryLimitBytes'
  | 'maxProcesses'
  | 'serviceName'
  | 'roundDurationSec'
  | 'warmupSec'
  | 'warmupCapSec'
  | 'warmupMinSec'
  | 'requestTimeoutSec'
> &
  ReturnType<typeof parseScenarios> {
  return {
    workingDirectory: r.str(Inputs.WorkingDirectory),
    grpc: parseGrpc(r, raw),
    readyTimeoutSec: r.seconds(Inputs.ReadyTimeout, 0.1, 3600),
    stopTimeoutSec: r.seconds(Inputs.StopTimeout, 0, 600),
    memoryLimitBytes: r.bytes(Inputs.MemoryLimit, 64 * 1024 ** 2),
    maxProcesses: r.uint(Inputs.MaxProcesses, 0, 1_000_000),
    serviceName: r.str(Inputs.ServiceName),
    // `auto` depends on the design, read later: resolved in parseConfig (AUTO_ROUND_DURATION_SEC).
    roundDurationSec:
      r.str(Inputs.RoundDuration).toLowerCase() === 'auto'
        ? NaN
        : r.number(
            Inputs.RoundDuration,
            "'auto' or a number of seconds from 0.5 to 3600",
            (n) => n >= 0.5 && n <= 3600
          ),
    warmupSec:
      r.str(Inputs.WarmupDuration).toLowerCase() === 'auto'
        ? 'auto'
        : r.number(Inputs.WarmupDuration, "'auto' or a number of seconds from 0 to 3600", (n) => n >= 0 && n <= 3600),
    // `auto` depends on the runtime, known once the commands are read: resolved in parseConfig (AUTO_WARMUP).
    warmupCapSec: autoOr(r, Inputs.WarmupCap, 1),
    warmupMinSec: autoOr(r, Inputs.WarmupMin, 0),
    // Spread in place so that errors keep the inputs' order.
    ...parseScenarios(r),
    requestTimeoutSec: r.seconds(Inputs.RequestTimeout, 1, 600)
  }
}

/** The tracing budgets and the decision's confidence. */
function parseBudgets(
  r: Reader
): Pick<
  Config,
  'maxErrorRate' | 'maxQpsOverhead' | 'maxP99Overhead' | 'maxCpuOverhead' | 'confidence' | 'onInconclusive'
> {
  return {
    maxErrorRate: r.percent(Inputs.MaxErrorRate, { min: 0, max: 100, optional: false }) as number,
    maxQpsOverhead: r.percent(Inputs.MaxQpsOverhead, { min: 0, max: 99, optional: true }),
    maxP99Overhead: r.percent(Inputs.MaxP99Overhead, { min: 0, max: 10000, optional: true }),
    maxCpuOverhead: r.percent(Inputs.MaxCpuOverhead, { min: 0, max: 10000, optional: true }),
    confidence:
      (r.number(Inputs.Confidence, 'a percentage from 50 to 99.9', (n) => n >= 50 && n <= 99.9) as number) / 100,
    onInconclusive: r.choice(Inputs.OnInconclusive, ['warn', 'fail', 'pass'] as const)
  }
}

/** How the experiment runs: protocol, pinning, design, looks, extra arms, and where its files go. */
function parseDesign(
  r: Reader,
  rounds: number
): Pick<
  Config,
  | 'otlpProtocol'
  | 'cpuPinning'
  | 'roundDesign'
  | 'processesPerArm'
  | 'blocksPerBoot'
  | 'processOffset'
  | 'maxRounds'
  | 'timeBudgetSec'
  | 'uninstrumentedCommand'
  | 'exportStep'
  | 'historySize'
  | 'outputDir'
> {
  return {
    otlpProtocol: r.choice(Inputs.OtlpProtocol, ['http/protobuf', 'http/json', 'grpc'] as const),
    cpuPinning: r.choice(Inputs.CpuPinning, ['auto', 'on', 'off'] as const),
    roundDesign: r.choice(Inputs.RoundDesign, ['alternating', 'side-by-side', 'sequential'] as const),
    processesPerArm: r.uint(Inputs.ProcessesPerArm, 1, 4),
    // `auto` depends on the design (NaN until parseConfig resolves it: resolveBoots).
    blocksPerBoot: r.str(Inputs.BlocksPerBoot).toLowerCase() === 'auto' ? NaN : r.uint(Inputs.BlocksPerBoot, 1, 3000),
    // `auto` depends on the runtime (NaN until resolveWarmup resolves it).
    processOffset:
      r.str(Inputs.ProcessOffset).toLowerCase() === 'auto'
        ? NaN
        : (r.percent(Inputs.ProcessOffset, { min: 0, max: 50, optional: false }) as number),
    maxRounds: r.str(Inputs.MaxRounds).toLowerCase() === 'auto' ? 3 * rounds : r.uint(Inputs.MaxRounds, 3, 3000),
    timeBudgetSec: r.seconds(Inputs.TimeBudget, 0, 86400),
    uninstrumentedCommand: r.str(Inputs.UninstrumentedCommand) || null,
    exportStep: r.bool(Inputs.ExportStep),
    historySize: r.uint(Inputs.HistorySize, 1, 100),
    outputDir: r.str(Inputs.OutputDir)
  }
}

/** The baselines (same-job base build, stored history) and their regression budgets. */
function parseBaselines(
  r: Reader,
  baseCommand: string
): Pick<Config, 'base' | 'maxQpsRegression' | 'maxP99Regression' | 'maxOverheadIncrease' | 'baselinePath'> {
  return {
    base:
      baseCommand === ''
        ? null
        : {
            startCommand: baseCommand,
            workingDirectory: r.str(Inputs.BaseWorkingDirectory) || r.str(Inputs.WorkingDirectory),
            tracing: r.bool(Inputs.BaseTracing)
          },
    maxQpsRegression: r.percent(Inputs.MaxQpsRegression, { min: 0, max: 99, optional: true }),
    maxP99Regression: r.percent(Inputs.MaxP99Regression, { min: 0, max: 10000, optional: true }),
    maxOverheadIncrease: r.percent(Inputs.MaxOverheadIncrease, { min: 0, max: 99, optional: true }),
    baselinePath: r.str(Inputs.BaselinePath) || null
  }
}

/** The PR comment. */
function parsePublishing(r: Reader): Pick<Config, 'comment' | 'commentId' | 'githubToken'> {
  return {
    comment: r.choice(Inputs.Comment, ['always', 'on-failure', 'never'] as const),
    commentId: r.str(Inputs.CommentId),
    // The default `${{ github.token }}` reaches the CLI unexpanded: no token there.
    githubToken: r.str(Inputs.GithubToken).startsWith('${{') ? '' : r.str(Inputs.GithubToken)
  }
}

/** Throw what the reader collected: the one error, or one listing every problem. */
function throwCollected(r: Reader): void {
  if (r.errors.length === 1) throw r.errors[0]
  if (r.errors.length > 1) {
    throw new ConfigError(
      r.errors[0].input,
      `${r.errors.length} invalid inputs:\n- ${r.errors.map((x) => x.message).join('\n- ')}`
    )
  }
}

/**
 * What the action does: `gate` (measure, report, gate), `record` (measure as gate, then append to main's
 * history and look for change points), `report` (publish a results file). One list, so a new mode is
 * one entry here and one branch where the entries dispatch (main.ts, cli/run.ts).
 */
export const MODES = ['gate', 'report', 'record', 'measure', 'merge'] as const
export type Mode = (typeof MODES)[number]

/** `results`: required by `mode: merge` (the runs to merge), one path or glob per line; ignored otherwise. */
function parseMergeResults(r: Reader, mode: Mode): readonly string[] {
  const items = r
    .str(Inputs.Results)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
  if (mode === 'merge' && items.length === 0)
    r.add(
      new ConfigError(
        Inputs.Results,
        `'${Inputs.Results}' is required with 'mode: merge' (the results.json files of the 'mode: measure' runs, ` +
          `one path or glob per line), got ''`
      )
    )
  return items
}

/** A branch name git accepts (git check-ref-format, the common cases): no `..`, spaces, `~^:?*[\`, no leading `-`. */
// eslint-disable-next-line no-control-regex -- control characters are what git refuses in a ref name
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![/.])$/

/** Main's history: a local path, or a file on a data branch; and the change-point detector's settings. */
function parseMainHistory(
  r: Reader
): Pick<Config, 'historyPath' | 'historyBranch' | 'historyBranchPath' | 'changePointAlpha' | 'changePointMinEffect'> {
  const historyBranch = r.str(Inputs.HistoryBranch)
  if (!BRANCH.test(historyBranch) || historyBranch.startsWith('/'))
    r.add(bad(Inputs.HistoryBranch, historyBranch, 'a git branch name such as otlp-perf-gate-data'))
  const historyBranchPath = r.str(Inputs.HistoryBranchPath)
  const parts = historyBranchPath.split('/')
  if (historyBranchPath.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p === '.git'))
    r.add(
      bad(Inputs.HistoryBranchPath, historyBranchPath, "a relative file path on the branch such as 'main-history.json'")
    )
  return {
    historyPath: r.str(Inputs.HistoryPath) || null,
    historyBranch,
    historyBranchPath,
    changePointAlpha: r.number(Inputs.ChangePointAlpha, 'a p-value above 0 and at most 0.2', (x) => x > 0 && x <= 0.2),
    changePointMinEffect: r.percent(Inputs.ChangePointMinEffect, { min: 0, max: 99, optional: false }) as number
  }
}

/** Parse and validate raw inputs into a frozen Config; throws one ConfigError listing every problem. */
export function parseConfig(raw: RawInputs): Config {
  const r = new Reader(raw)
  const mode = r.choice(Inputs.Mode, MODES)
  const { baseCommand, ...target } = parseTarget(r, mode)
  const env = tryParse(r, {} as Record<string, string>, () => parseEnv(Inputs.Env, raw[Inputs.Env] ?? ''))
  const passEnv = tryParse(r, [] as string[], () => parsePassEnvInput(Inputs.PassEnv, raw[Inputs.PassEnv] ?? ''))
  const extraArms = tryParse(r, [] as { name: string; env: Record<string, string> }[], () =>
    parseExtraArms(Inputs.ExtraArms, raw[Inputs.ExtraArms] ?? '')
  )
  const samplingRates = parseSamplingRates(r, baseCommand)
  const seed = r.str(Inputs.Seed) === '' ? null : r.uint(Inputs.Seed, 0, 2 ** 32 - 1)
  const rounds = r.uint(Inputs.Rounds, 3, 1000)
  // Read in the inputs' order, so that the errors keep it.
  const config: Omit<Config, 'warmupRuntime'> = {
    ...target,
    env,
    passEnv,
    samplingRates,
    rounds,
    seed,
    ...parseRounds(r, raw),
    ...parseBudgets(r),
    ...parseDesign(r, rounds),
    ...parseBaselines(r, baseCommand),
    mode,
    ...parseMainHistory(r),
    mergeResults: parseMergeResults(r, mode),
    ...parsePublishing(r),
    extraArms,
    collector: parseCollector(r)
  }
  const resolved: Config = resolveWarmup(
    r.str(Inputs.RoundDuration).toLowerCase() === 'auto'
      ? { ...config, roundDurationSec: AUTO_ROUND_DURATION_SEC[config.roundDesign] }
      : config
  )
  checkCrossRules(r, resolved)
  throwCollected(r)
  return freezeConfig(resolved)
}

/** A number of seconds from `min` to 3600, or `auto` (NaN until resolved). */
function autoOr(r: Reader, name: InputName, min: number): number {
  return r.str(name).toLowerCase() === 'auto'
    ? NaN
    : r.number(name, `'auto' or a number of seconds from ${min} to 3600`, (n) => n >= min && n <= 3600)
}

/** `warmup-cap` / `warmup-min: auto` by the runtime the commands start (config/runtime.ts: AUTO_WARMUP). */
function resolveWarmup(config: Omit<Config, 'warmupRuntime'>): Config {
  const commands = [config.startCommand, config.base?.startCommand ?? '', config.uninstrumentedCommand ?? '']
  const runtime = detectRuntime(commands, config.env)
  const auto = AUTO_WARMUP[runtime]
  const capSec = Number.isNaN(config.warmupCapSec) ? auto.capSec : config.warmupCapSec
  const minSec = Number.isNaN(config.warmupMinSec) ? Math.min(auto.minSec, capSec) : config.warmupMinSec
  const processOffset = Number.isNaN(config.processOffset) ? AUTO_PROCESS_OFFSET[runtime] : config.processOffset
  // Only the alternating design keeps processes across blocks; `auto` there: from one look to the next (0).
  const blocksPerBoot =
    config.roundDesign !== 'alternating' ? 1 : Number.isNaN(config.blocksPerBoot) ? 0 : config.blocksPerBoot
  return { ...config, warmupCapSec: capSec, warmupMinSec: minSec, warmupRuntime: runtime, processOffset, blocksPerBoot }
}

/**
 * `round-duration: auto`, per design. Side by side and sequential: 10 s (measured: the per-block A/A QPS
 * noise side by side had a median of 3.2 % at 5 s, 2.3 % at 10 s, no better at 15 s). Alternating: 4 s of
 * each arm's own slices, since an arm alone has the whole core: 4 s alone is about the CPU time an arm had in
 * 10 s beside two others, and a block of k arms measures k × 4 s (bench/results/process-offset.jsonl: per
 * 1 s cycle the A/A log-ratio scatters by 3.1 %, between fresh pairs a lifelong offset adds about 1.2 %).
 */
export const AUTO_ROUND_DURATION_SEC: Readonly<Record<Config['roundDesign'], number>> = {
  alternating: 4,
  'side-by-side': 10,
  sequential: 10
}
