// Import graph between src's top-level units (its folders and its top-level files), read with
// dependency-cruiser, and a check that it has no loop. dependency-cruiser's own `circular` rule works
// on modules (and on folders, where src's top-level files vanish into `src`), so the collapse to units
// and the loop search (Tarjan's strongly connected components) are these few lines.
//
//   node scripts/unit-graph.mjs          exit 1 and name the units of every loop
//   node scripts/unit-graph.mjs --edges  also print each unit's imports (the graph the report shows)
import { cruise } from 'dependency-cruiser'

/** `src/measure/run.ts` → `measure`, `src/index.ts` → `index.ts`; undefined outside src. */
export function unitOf(path) {
  const match = /^src\/([^/]+)/.exec(path)
  return match?.[1]
}

/** unit → set of units it imports (type-only imports count: they tie the units together just the same). */
export function unitEdges(modules) {
  const edges = new Map()
  for (const module of modules) {
    const from = unitOf(module.source)
    if (from === undefined) continue
    if (!edges.has(from)) edges.set(from, new Set())
    for (const dependency of module.dependencies) {
      const to = unitOf(dependency.resolved)
      if (to !== undefined && to !== from) edges.get(from).add(to)
    }
  }
  return edges
}

/** Strongly connected components with more than one unit (Tarjan), each sorted; none means no loop. */
export function loops(edges) {
  let next = 0
  const index = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const found = []
  const visit = (unit) => {
    index.set(unit, next)
    low.set(unit, next)
    next += 1
    stack.push(unit)
    onStack.add(unit)
    for (const to of edges.get(unit) ?? []) {
      if (!index.has(to)) {
        visit(to)
        low.set(unit, Math.min(low.get(unit), low.get(to)))
      } else if (onStack.has(to)) {
        low.set(unit, Math.min(low.get(unit), index.get(to)))
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component = []
      let member
      do {
        member = stack.pop()
        onStack.delete(member)
        component.push(member)
      } while (member !== unit)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const unit of [...edges.keys()].sort()) if (!index.has(unit)) visit(unit)
  return found
}

async function main() {
  const result = await cruise(['src'], {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' }
  })
  const edges = unitEdges(result.output.modules)
  if (process.argv.includes('--edges')) {
    for (const [unit, to] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
      process.stdout.write(`${unit} → ${[...to].sort().join(', ') || '(nothing)'}\n`)
    }
  }
  const found = loops(edges)
  if (found.length === 0) {
    process.stdout.write(`unit-graph: ${edges.size} top-level units of src, no import loop between them\n`)
    return
  }
  for (const component of found) {
    process.stderr.write(`unit-graph: import loop between ${component.length} units: ${component.join(', ')}\n`)
  }
  process.exitCode = 1
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
