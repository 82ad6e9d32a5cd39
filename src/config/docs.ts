import { INPUT_GROUPS } from './groups.js'
import { INPUT_SPECS, OUTPUT_SPECS, type InputSpec } from './inputs.js'

/** The input specs of each group, in group order (a test checks that together they are every input once). */
function groupedSpecs(): { group: (typeof INPUT_GROUPS)[number]; specs: InputSpec[] }[] {
  const byName = new Map(INPUT_SPECS.map((s) => [s.name, s]))
  return INPUT_GROUPS.map((group) => ({
    group,
    specs: group.inputs.map((name) => {
      const spec = byName.get(name)
      if (spec === undefined) throw new Error(`input group '${group.title}' names an unknown input '${name}'`)
      return spec
    })
  }))
}

/** YAML double-quoted scalar. */
function yamlString(s: string): string {
  return JSON.stringify(s)
}

/** action.yml rendered from the input table, so the two cannot drift (a test compares them). */
export function renderActionYml(): string {
  const lines = [
    '# Generated from src/config/inputs.ts (grouped by src/config/groups.ts) by `UPDATE_DOCS=1 npm test -- ' +
      '__tests__/unit/config/docs.test.ts`; edit there.',
    "name: 'OTLP perf gate'",
    "description: 'Gate pull requests on the cost of OpenTelemetry tracing: QPS and P99 overhead at each sampling " +
      "rate, with confidence intervals.'",
    "author: 'otlp-perf-gate'",
    'branding:',
    "  icon: 'activity'",
    "  color: 'purple'",
    'inputs:'
  ]
  for (const { group, specs } of groupedSpecs()) {
    lines.push(`  # ${group.title}${group.advanced ? ' (advanced)' : ''}: ${group.purpose}`)
    for (const spec of specs) {
      lines.push(`  ${spec.name}:`)
      lines.push(`    description: ${yamlString(spec.description)}`)
      lines.push(`    required: ${spec.required ? 'true' : 'false'}`)
      if (!spec.required) lines.push(`    default: ${yamlString(spec.default)}`)
    }
  }
  lines.push('outputs:')
  for (const out of OUTPUT_SPECS) {
    lines.push(`  ${out.name}:`)
    lines.push(`    description: ${yamlString(out.description)}`)
  }
  lines.push('runs:', "  using: 'node24'", "  main: 'dist/index.js'", '')
  return lines.join('\n')
}

function cell(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function inputTable(specs: readonly InputSpec[]): string[] {
  return [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...specs.map(
      (s) =>
        `| \`${s.name}\` | ${s.required ? '**required**' : s.default === '' ? '' : `\`${cell(s.default)}\``} | ` +
        `${cell(s.description)} |`
    )
  ]
}

/**
 * The README's inputs, one table per group (the advanced groups folded in <details>), and its outputs table.
 * Headings are bold lines rather than #### so the README's outline stays short.
 */
export function renderReadmeTables(): string {
  const lines: string[] = []
  for (const { group, specs } of groupedSpecs()) {
    if (group.advanced) {
      lines.push('<details>', `<summary><b>${group.title}</b> (advanced): ${group.purpose}</summary>`, '')
      lines.push(...inputTable(specs), '', '</details>', '')
    } else {
      lines.push(`**${group.title}**: ${group.purpose}`, '', ...inputTable(specs), '')
    }
  }
  const outputs = [
    '| Output | Description |',
    '| --- | --- |',
    ...OUTPUT_SPECS.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`)
  ]
  return [...lines, '**Outputs**', '', ...outputs].join('\n')
}

export const README_BEGIN = '<!-- inputs:begin (generated from src/config/inputs.ts) -->'
export const README_END = '<!-- inputs:end -->'

/** Replace the generated block of the README. */
export function updateReadme(readme: string): string {
  const a = readme.indexOf(README_BEGIN)
  const b = readme.indexOf(README_END)
  if (a < 0 || b < a) throw new Error(`README lacks the ${README_BEGIN} … ${README_END} markers`)
  return `${readme.slice(0, a + README_BEGIN.length)}\n${renderReadmeTables()}\n${readme.slice(b)}`
}
