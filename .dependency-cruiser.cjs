// Import rules for src, checked by `npm run lint` (depcruise). src's top-level units are the stages of the
// gate in the order data flows (issue #26): a unit may import units of lower stages only, so the graph
// between units has no loop and each stage can be read and tested with what is below it.
// scripts/unit-graph.mjs prints the graph between units and names any loop, also in a unit missing here.

/** Lowest first. Units on one line are peers and do not import each other. */
const STAGES = [
  ['types.ts', 'errors.ts', 'version.ts', 'jstat.d.ts'],
  ['metrics.ts'], // METRICS[id]: label, unit, direction, budget input
  ['stats'],
  ['format.ts', 'load'],
  ['plan'], // arms × blocks, seeded order, the comparison plan, the time budget
  ['config'], // inputs → typed Config
  ['security'], // path, target and secret checks on the config
  ['service'], // processes: spawn, pin, tag, stop, /proc
  ['otlp'], // the embedded receiver
  ['measure'], // the rig and the rounds
  ['results'], // the one record, its schema, read/write, history
  ['analysis'], // statistics over the planned comparisons → verdict (pure)
  ['report', 'github'], // markdown (pure); the PR comment
  ['gate'], // the one orchestrator: engine, cancellation, run-gate
  // The two faces: the CLI, then the action (both read config files through config/config-file.ts).
  ['cli'],
  ['action-inputs.ts'],
  ['main.ts'],
  ['index.ts']
]

const pattern = (units) => `^src/(${units.map((u) => u.replace(/\./g, '\\.')).join('|')})($|/)`

const stageRules = STAGES.map((units, i) => ({
  name: `stage-order:${units.join('+')}`,
  severity: 'error',
  comment: `${units.join(', ')} may import only units of lower stages (.dependency-cruiser.cjs, STAGES)`,
  from: { path: pattern(units) },
  // $1 is the importing unit: imports inside a unit are its own business.
  to: { path: pattern(STAGES.slice(i).flat()), pathNot: '^src/$1($|/)' }
}))

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module that reaches itself through its imports cannot be read, tested or replaced on its own.',
      from: { path: '^src/' },
      to: { circular: true }
    },
    {
      name: 'stage-unknown',
      severity: 'error',
      comment: 'Every top-level unit of src has a stage in .dependency-cruiser.cjs (STAGES)',
      from: { path: '^src/', pathNot: pattern(STAGES.flat()) },
      to: {}
    },
    ...stageRules
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' }
  }
}
