import type { Measurement } from '../measure/run.js'
import type { GateResult } from '../types.js'
import type { ResultsFile } from './results.js'

/**
 * Everything one gate run measured and decided, as the engine hands it on: what the loop measured
 * (measure/run.ts Measurement) plus the decision and the run's context. Its fields are the results record's
 * (ResultsFile) where the two share one, so the record is declared once; buildResults turns it into the file.
 */
export interface GateRun
  extends
    Measurement,
    Pick<ResultsFile, 'comparisons' | 'machine' | 'baseline'>,
    Required<Pick<ResultsFile['timing'], 'startedAt' | 'finishedAt' | 'wallSec'>> {
  gate: GateResult
}
