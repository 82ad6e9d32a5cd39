/** Pure gate: verdict from comparisons and budgets. */
export { decide, type DecideOptions } from './gate.js'
