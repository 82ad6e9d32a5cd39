import * as core from '@actions/core'
import { parseConfig, type Config } from './config/config.js'
import { readInputs } from './config/read.js'
import { Outputs } from './config/inputs.js'
import { runEngine, type GateRun } from './engine.js'
import { renderReport } from './report/markdown.js'
import { assemble, headlineOverhead, provenance } from './report/assemble.js'
import { writeRunFiles } from './baseline/files.js'
import { machineInfo } from './baseline/fingerprint.js'
import { killAllServices } from './service/service.js'
import { errorMessage } from './errors.js'
import type { Verdict } from './types.js'

/** The action: parse inputs, measure, decide, report. The only core.setFailed of the action is here. */
export async function run(): Promise<void> {
  let failure: string | null = null
  let config: Config | null = null
  let gateRun: GateRun | null = null
  let verdict: Verdict = 'error'
  let error: string | undefined
  try {
    config = parseConfig(readInputs())
    const cfg = config
    gateRun = await core.group('Measure tracing overhead', () =>
      runEngine(cfg, {
        info: (m) => core.info(m),
        warn: (m) => core.warning(m),
        onRoundEnd: ({ index, total, round }) =>
          core.info(
            `round ${index + 1}/${total} block ${round.block + 1} ${round.armId}: ` +
              `${round.load.qps.toFixed(0)} QPS, P99 ${(round.load.latency.p99Us / 1000).toFixed(2)} ms, ` +
              `${round.otlp.spans} spans, ${round.load.non2xx + round.load.errors + round.load.timeouts} failed`
          )
      })
    )
    verdict = gateRun.gate.verdict
    if (gateRun.gate.failCheck) {
      failure = `OTLP perf gate: ${verdict.toUpperCase()}\n${gateRun.gate.reasons.join('\n')}`
    } else if (verdict === 'inconclusive' && cfg.onInconclusive === 'warn') {
      core.warning(`OTLP perf gate inconclusive:\n${gateRun.gate.reasons.join('\n')}`)
    }
  } catch (e) {
    verdict = 'error'
    error = errorMessage(e)
    failure = `OTLP perf gate could not measure: ${error}`
  } finally {
    await killAllServices()
  }

  core.setOutput(Outputs.Verdict, verdict)
  if (config !== null) {
    try {
      const { report, results } = assemble(config, gateRun, verdict, error, provenance(), machineInfo())
      const markdown = renderReport(report)
      const { reportPath, resultsPath } = writeRunFiles(config.outputDir, markdown, results)
      core.setOutput(Outputs.ReportPath, reportPath)
      core.setOutput(Outputs.ResultsPath, resultsPath)
      core.setOutput(Outputs.QpsOverhead, headlineOverhead(results.comparisons, 'qps', config.samplingRates))
      core.setOutput(Outputs.P99Overhead, headlineOverhead(results.comparisons, 'p99', config.samplingRates))
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write()
      core.info(markdown)
    } catch (e) {
      failure = `${failure ?? ''}\nOTLP perf gate could not write its report: ${errorMessage(e)}`.trim()
      core.setOutput(Outputs.Verdict, 'error')
    }
  }
  if (failure !== null) core.setFailed(failure)
}
