import { INPUT_SPECS, OUTPUT_SPECS } from './inputs.js'

/** YAML double-quoted scalar. */
function yamlString(s: string): string {
  return JSON.stringify(s)
}

/** action.yml rendered from the input table, so the two cannot drift (a test compares them). */
export function renderActionYml(): string {
  const lines = [
    '# Generated from src/config/inputs.ts by `UPDATE_DOCS=1 npm test -- __tests__/unit/config/docs.test.ts`; edit there.',
    "name: 'OTLP perf gate'",
    "description: 'Gate pull requests on the cost of OpenTelemetry tracing: QPS and P99 overhead at each sampling rate, with confidence intervals.'",
    "author: 'otlp-perf-gate'",
    'branding:',
    "  icon: 'activity'",
    "  color: 'purple'",
    'inputs:'
  ]
  for (const spec of INPUT_SPECS) {
    lines.push(`  ${spec.name}:`)
    lines.push(`    description: ${yamlString(spec.description)}`)
    lines.push(`    required: ${spec.required ? 'true' : 'false'}`)
    if (!spec.required) lines.push(`    default: ${yamlString(spec.default)}`)
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

/** The README's inputs and outputs tables. */
export function renderReadmeTables(): string {
  const inputs = [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...INPUT_SPECS.map(
      (s) =>
        `| \`${s.name}\` | ${s.required ? '**required**' : s.default === '' ? '' : `\`${cell(s.default)}\``} | ${cell(s.description)} |`
    )
  ]
  const outputs = [
    '| Output | Description |',
    '| --- | --- |',
    ...OUTPUT_SPECS.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`)
  ]
  return [...inputs, '', ...outputs].join('\n')
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
