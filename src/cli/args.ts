import { parseArgs } from 'node:util'
import { INPUT_SPECS, Inputs, type InputName } from '../config/inputs.js'
import type { RawInputs } from '../config/config.js'
import { didYouMean } from './suggest.js'

/** A bad command line or config file: exit code 2, the message is printed as is. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Options that only the CLI has (the rest are the action's inputs, same names). */
export const CliFlags = {
  Config: 'config',
  Json: 'json',
  Quiet: 'quiet',
  Verbose: 'verbose',
  Help: 'help',
  Version: 'version'
} as const

/** CLI-only options for --help, in the order listed. */
export const CLI_OPTION_SPECS: readonly { name: string; short?: string; value?: string; description: string }[] = [
  {
    name: CliFlags.Config,
    value: '<file>',
    description:
      'YAML (.yaml, .yml) or JSON (.json) file whose keys are the input names above. Lists become comma-separated ' +
      'values (one line per item for env, extra-arms and grpc-metadata), mappings become KEY=VALUE lines (`name: ' +
      'KEY=VALUE …` lines for extra-arms, JSON for grpc-request); relative paths in it are relative to the file. ' +
      'Flags override it.'
  },
  {
    name: CliFlags.Json,
    description: 'Print the results JSON (the results.json schema) to stdout instead of the markdown report.'
  },
  { name: CliFlags.Quiet, description: 'No progress lines on stderr (warnings and errors are still printed).' },
  { name: CliFlags.Verbose, description: 'Also print every log line of the engine (service start/ready, receiver).' },
  { name: CliFlags.Help, short: 'h', description: 'Show this help and exit.' },
  { name: CliFlags.Version, description: 'Print the version and exit.' }
]

/**
 * Inputs that only make sense in a workflow (the PR comment): accepted, so one config serves both, and ignored with a
 * warning.
 */
export const ACTION_ONLY_INPUTS: readonly InputName[] = [Inputs.Comment, Inputs.CommentId, Inputs.GithubToken]

/** Inputs read one entry per line: repeated flags add lines, and a config-file list joins with newlines. */
export const MULTILINE_INPUTS: readonly InputName[] = [
  Inputs.Env,
  Inputs.ExtraArms,
  Inputs.GrpcMetadata,
  Inputs.Results
]

/** Inputs holding a JSON text: a config-file mapping or list is written as JSON (`grpc-request: {id: 42}`). */
export const JSON_INPUTS: readonly InputName[] = [Inputs.GrpcRequest]

/** What the command line asked for. `inputs` holds only the inputs given as flags (flags > file > defaults). */
export interface CliArgs {
  inputs: RawInputs
  configFile?: string
  json: boolean
  quiet: boolean
  verbose: boolean
  help: boolean
  version: boolean
}

const INPUT_NAMES: readonly string[] = INPUT_SPECS.map((s) => s.name)
const BOOLEAN_FLAGS: readonly string[] = [
  CliFlags.Json,
  CliFlags.Quiet,
  CliFlags.Verbose,
  CliFlags.Help,
  CliFlags.Version
]
const ALL_LONG: readonly string[] = [...INPUT_NAMES, ...CLI_OPTION_SPECS.map((o) => o.name)]

/** True for a separate argument that is really the next option, not a value (`--rounds --json`). */
function looksLikeOption(value: string): boolean {
  return value === '--' || /^--?[A-Za-z]/.test(value)
}

/**
 * Parse argv (without node and the script) into CliArgs; throws UsageError on an unknown option
 * (with a did-you-mean hint), a missing value, a value given to a switch, or a positional argument.
 * `--help` anywhere wins over every other problem, so a user can always reach the help.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}
  for (const name of INPUT_NAMES) options[name] = { type: 'string' }
  options[CliFlags.Config] = { type: 'string' }
  for (const name of BOOLEAN_FLAGS) options[name] = { type: 'boolean' }
  options[CliFlags.Help].short = 'h'
  // strict: false + tokens: we report unknown options ourselves, with the suggestion the issue asks for.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })

  const args: CliArgs = { inputs: {}, json: false, quiet: false, verbose: false, help: false, version: false }
  const problems: string[] = []
  let afterTerminator = false
  const reportedShort = new Set<number>()
  let swallowIndex = -1
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      afterTerminator = true
      continue
    }
    if (token.kind === 'positional') {
      if (token.index === swallowIndex) continue
      const hint =
        /\.(ya?ml|json)$/i.test(token.value) && !afterTerminator ? ` (did you mean '--config ${token.value}'?)` : ''
      problems.push(`unexpected argument '${token.value}'${hint}: options are written --name value or --name=value`)
      continue
    }
    const { name, rawName } = token
    if (!rawName.startsWith('--') && name !== CliFlags.Help) {
      // A single-dash word (`-rounds`) arrives as one token per letter: report the word once.
      if (!reportedShort.has(token.index)) {
        reportedShort.add(token.index)
        const word = argv[token.index]
        problems.push(`unknown option '${word}'${didYouMean(word.replace(/^-+/, '').split('=')[0], ALL_LONG, '--')}`)
      }
      continue
    }
    if (!Object.hasOwn(options, name)) {
      problems.push(`unknown option '${rawName}'${didYouMean(name, ALL_LONG, '--')}`)
      // `--round 3`: the 3 is the unknown option's value, not a second problem worth reporting.
      if (token.value === undefined) swallowIndex = token.index + 1
      continue
    }
    if (options[name].type === 'boolean') {
      if (token.value !== undefined) problems.push(`option '${rawName}' takes no value, got '${token.value}'`)
      else args[name as 'json' | 'quiet' | 'verbose' | 'help' | 'version'] = true
      continue
    }
    const value = token.value
    if (value === undefined || (!token.inlineValue && looksLikeOption(value))) {
      problems.push(`option '${rawName}' needs a value (write '${rawName}=<value>' for a value that starts with '-')`)
      continue
    }
    // --config-file is the action's input name for the same file: one spelling per face would trip people up.
    if (name === CliFlags.Config || name === Inputs.ConfigFile) {
      args.configFile = value
    } else if (MULTILINE_INPUTS.includes(name as InputName) && args.inputs[name as InputName] !== undefined) {
      // Repeated --env adds lines, like the multi-line input of the action; other options: the last wins.
      args.inputs[name as InputName] = `${args.inputs[name as InputName]}\n${value}`
    } else {
      args.inputs[name as InputName] = value
    }
  }
  if (args.help) return args
  if (problems.length === 1) throw new UsageError(problems[0])
  if (problems.length > 1)
    throw new UsageError(`${problems.length} problems with the command line:\n- ${problems.join('\n- ')}`)
  return args
}
