/**
 * The zero-code fixtures (Java agent, Python opentelemetry-instrument, Node register hook) are tested
 * alike: this boots one of their shell commands the way the gate does (`sh -c`, own process group),
 * loads it a little, SIGTERMs it and reports what reached an OTLP receiver.
 */
import { spawn } from 'node:child_process'
import type { OtlpReceiver } from '../../../src/otlp/receiver.js'
import type { OtlpSnapshot } from '../../../src/otlp/tally.js'
import { freePort, scrubbedEnv } from '../../helpers/process.js'
import { runGateOnFixture, spansPerRequest } from './gate.js'

/** What setup.mjs recorded for a zero-code fixture (java.json, python.json, node.json). */
export interface ZeroCodePaths {
  startCommand: string
  uninstrumentedCommand: string
  workingDirectory: string
  readyTimeoutSeconds: number
}

/** The paths of a ready fixture, checked: a setup module that changed its output fails loudly here. */
export function zeroCodePaths(lang: string, paths: Record<string, unknown>): ZeroCodePaths {
  const { startCommand, uninstrumentedCommand, workingDirectory, readyTimeoutSeconds } = paths
  if (
    typeof startCommand !== 'string' ||
    typeof uninstrumentedCommand !== 'string' ||
    typeof workingDirectory !== 'string' ||
    typeof readyTimeoutSeconds !== 'number'
  ) {
    throw new Error(
      `${lang}.json: expected startCommand, uninstrumentedCommand, workingDirectory (strings) and readyTimeoutSeconds (number), got ${JSON.stringify(paths)}`
    )
  }
  return { startCommand, uninstrumentedCommand, workingDirectory, readyTimeoutSeconds }
}

/** What one boot–load–SIGTERM cycle observed. */
export interface Exercise {
  /** HTTP status of each API request, in order. */
  statuses: number[]
  /** /healthz polls that got an HTTP answer (each may be a traced request too). */
  healthPolls: number
  /** Exit code, or `signal:NAME`, after SIGTERM. */
  exit: number | string
  /** Receiver totals after the exit (spans flushed on SIGTERM included). */
  otlp: OtlpSnapshot
  stdout: string
  stderr: string
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Boots `command` in `cwd` with `env` (plus PORT and the receiver's endpoint), waits for /healthz,
 * sends `requests` GETs to /api/v1/users/<i>, SIGTERMs the process group and waits for the exit
 * (SIGKILL after `stopTimeoutMs`). The receiver is reset first.
 */
export async function exercise(
  receiver: OtlpReceiver,
  opts: {
    command: string
    cwd: string
    env: Record<string, string>
    requests: number
    readyTimeoutMs: number
    stopTimeoutMs?: number
  }
): Promise<Exercise> {
  receiver.reset()
  const port = await freePort()
  const env = {
    ...scrubbedEnv(),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    ...opts.env,
    PORT: String(port)
  }
  // Like the gate: `sh -c` in its own process group, SIGTERM to the group. A plain `sh -c` wrapper
  // dies of that SIGTERM itself, hiding the service's exit status; the trap makes it wait for the
  // service and exit with its status (`trap :` is reset to the default action in the child, unlike
  // an ignored signal, so the service sees SIGTERM as usual).
  const wrapped = `trap : TERM\n${opts.command}\nexit $?`
  const child = spawn('/bin/sh', ['-c', wrapped], {
    cwd: opts.cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  let exitInfo: number | string | undefined
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve((exitInfo = code ?? `signal:${signal ?? '?'}`)))
  )
  const base = `http://127.0.0.1:${port}`
  const group = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig)
    } catch {
      // already gone
    }
  }
  try {
    let healthPolls = 0
    const deadline = Date.now() + opts.readyTimeoutMs
    for (;;) {
      if (exitInfo !== undefined)
        throw new Error(`\`${opts.command}\` exited (${exitInfo}) before /healthz answered; stderr: ${stderr}`)
      if (Date.now() > deadline)
        throw new Error(
          `\`${opts.command}\`: /healthz did not answer 200 within ${opts.readyTimeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`
        )
      const status = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => null
      )
      if (status !== null) healthPolls++
      if (status === 200) break
      await sleep(100)
    }
    const statuses: number[] = []
    for (let i = 0; i < opts.requests; i++) {
      const r = await fetch(`${base}/api/v1/users/${i}`, { signal: AbortSignal.timeout(5000) })
      await r.arrayBuffer()
      statuses.push(r.status)
    }
    group('SIGTERM')
    const stopMs = opts.stopTimeoutMs ?? 10_000
    let timer: NodeJS.Timeout | undefined
    const exit = await Promise.race([
      exited,
      new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), stopMs)))
    ])
    clearTimeout(timer)
    if (exit === 'timeout')
      throw new Error(`\`${opts.command}\` still running ${stopMs} ms after SIGTERM; stderr: ${stderr}`)
    return { statuses, healthPolls, exit, otlp: receiver.snapshot(), stdout, stderr }
  } finally {
    group('SIGKILL')
  }
}

/** What differs between the zero-code fixtures' tests. */
export interface ZeroCodeSpec {
  /** Loose band of spans per API request at 100% sampling (health polls add up to `hi` each). */
  spansPerRequest: readonly [lo: number, hi: number]
  /** Exit status after SIGTERM (the JVM's default is 143; the Python and Node fixtures exit 0). */
  sigtermExit: number
}

const REQUESTS = 20

/**
 * The direct tests of one zero-code fixture: traced at 100%, every request's spans arrive by the time
 * the process has exited on SIGTERM (the batch processor's 5 s delay never elapsed, so they were
 * flushed at shutdown); the uninstrumented command serves the same API and sends nothing.
 */
export function directTests(
  lang: string,
  fixture: ZeroCodePaths,
  spec: ZeroCodeSpec,
  receiver: () => OtlpReceiver
): void {
  const readyTimeoutMs = fixture.readyTimeoutSeconds * 1000
  const timeoutMs = readyTimeoutMs + 30_000
  const traced = { OTEL_SERVICE_NAME: `zero-code-${lang}`, OTEL_TRACES_SAMPLER: 'parentbased_always_on' }

  test(
    'traced at 100%: the API works and every request is traced, flushed on SIGTERM',
    async () => {
      const r = await exercise(receiver(), {
        command: fixture.startCommand,
        cwd: fixture.workingDirectory,
        env: traced,
        requests: REQUESTS,
        readyTimeoutMs
      })
      expect(r.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m)
      expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
      expect(r.exit).toBe(spec.sigtermExit)
      const [lo, hi] = spec.spansPerRequest
      expect(r.otlp.spans).toBeGreaterThanOrEqual(lo * REQUESTS)
      expect(r.otlp.spans).toBeLessThanOrEqual(hi * (REQUESTS + r.healthPolls))
      expect(r.otlp).toMatchObject({ rejected: 0, serviceNames: [`zero-code-${lang}`] })
    },
    timeoutMs
  )

  test(
    'the uninstrumented command serves the same API, exports nothing even with tracing configured, and exits on SIGTERM',
    async () => {
      const r = await exercise(receiver(), {
        command: fixture.uninstrumentedCommand,
        cwd: fixture.workingDirectory,
        env: traced,
        requests: REQUESTS,
        readyTimeoutMs
      })
      expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
      expect(r.exit).toBe(spec.sigtermExit)
      expect(r.otlp).toMatchObject({ spans: 0, requests: 0 })
    },
    timeoutMs
  )
}

/**
 * The real gate on one zero-code fixture with its documented inputs, small rounds, off vs 100%:
 * it must finish (no error), every round answers without errors, the off arm (OTEL_SDK_DISABLED=true,
 * OTEL_TRACES_EXPORTER=none) exports nothing, and every traced round delivers spans at a sane rate.
 */
export function gateTest(lang: string, fixture: ZeroCodePaths, spec: ZeroCodeSpec): void {
  // 3 blocks × 2 arms, each round a fresh boot: the Java agent's start-up dominates.
  const timeoutMs = 6 * (fixture.readyTimeoutSeconds * 1000 + 15_000)
  test(
    'the real gate (off vs 100%, small rounds): no error, spans on every traced round, none when off',
    async () => {
      const { run } = await runGateOnFixture({
        'start-command': fixture.startCommand,
        'working-directory': fixture.workingDirectory,
        'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
        'ready-url': 'http://127.0.0.1:{port}/healthz',
        'ready-timeout': String(fixture.readyTimeoutSeconds),
        'service-name': `zero-code-${lang}`,
        // Nothing gated: 3 blocks could never fail a gated comparison, and speed is not under test here.
        'max-qps-overhead': 'none',
        'max-p99-overhead': 'none',
        'max-cpu-overhead': 'none'
      })
      expect(['pass', 'fail', 'inconclusive']).toContain(run.gate.verdict)
      expect(run.rounds.map((r) => r.armId).sort()).toEqual(['off', 'off', 'off', 'on@1', 'on@1', 'on@1'])
      const [lo, hi] = spec.spansPerRequest
      for (const r of run.rounds) {
        const where = `block ${r.block} ${r.armId}`
        expect({ where, ok: r.load.ok > 0, non2xx: r.load.non2xx, errors: r.load.errors }).toEqual({
          where,
          ok: true,
          non2xx: 0,
          errors: 0
        })
        if (r.armId === 'off') {
          expect({ where, spans: r.otlp.spans }).toEqual({ where, spans: 0 })
        } else {
          // Loose: the window's spans over its responses wobble at the window's edges.
          const perRequest = spansPerRequest(r)
          expect({ where, perRequest, inBand: perRequest >= 0.8 * lo && perRequest <= 1.25 * hi }).toEqual({
            where,
            perRequest,
            inBand: true
          })
        }
      }
    },
    timeoutMs
  )
}
