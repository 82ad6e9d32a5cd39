/**
 * The service's minimal environment. The gate's own environment holds the job's credentials
 * (GITHUB_TOKEN, ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*, cloud keys) and the runner's
 * command files (GITHUB_OUTPUT, GITHUB_ENV, …); the service under test gets none of them, only an
 * allowlist of what a shell and the usual toolchains need, plus what the user passes explicitly.
 */

/** Variables passed to the service by default (when set in the gate's environment). */
export const BASE_ENV_NAMES: readonly string[] = [
  // Shell and locale.
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'HOSTNAME',
  'CI',
  // Go.
  'GOROOT',
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'GOFLAGS',
  'GOPROXY',
  'GOPRIVATE',
  'GONOSUMDB',
  'GONOPROXY',
  'GOTOOLCHAIN',
  'CGO_ENABLED',
  // JVM.
  'JAVA_HOME',
  'MAVEN_HOME',
  'M2_HOME',
  'GRADLE_HOME',
  'GRADLE_USER_HOME',
  // Python (setup-python sets pythonLocation).
  'VIRTUAL_ENV',
  'pythonLocation',
  'PYTHONHOME',
  'PYTHONUNBUFFERED',
  // Node version managers.
  'NVM_DIR',
  'NVM_BIN',
  'VOLTA_HOME',
  'N_PREFIX',
  // Rust, .NET, Ruby.
  'CARGO_HOME',
  'RUSTUP_HOME',
  'DOTNET_ROOT',
  'GEM_HOME',
  'GEM_PATH',
  'RBENV_ROOT',
  'LD_LIBRARY_PATH'
]

/** Prefixes passed by default: locale categories, pyenv, setup-java's JAVA_HOME_<ver>_<arch>. */
export const BASE_ENV_PREFIXES: readonly string[] = ['LC_', 'PYENV_', 'JAVA_HOME_']

/**
 * Never given to the service, even when listed in `pass-env` or `env`: the job token, the runner's
 * internal tokens and URLs, the gate's own inputs, and the files through which a step sets outputs,
 * environment, PATH, state or the job summary.
 */
export const FORBIDDEN_ENV = /^(GITHUB_TOKEN|ACTIONS_.*|INPUT_.*|GITHUB_(OUTPUT|ENV|STEP_SUMMARY|PATH|STATE))$/

/** Why a name must not be passed to the service, or null when it may be. */
export function forbiddenReason(name: string): string | null {
  if (!FORBIDDEN_ENV.test(name)) return null
  if (name === 'GITHUB_TOKEN') return 'the job token must not reach the code under test'
  if (name.startsWith('ACTIONS_')) return "the runner's internal tokens and URLs must not reach the code under test"
  if (name.startsWith('INPUT_')) return "the gate's own inputs are not the service's"
  return 'through it the service could set step outputs, environment or the job summary'
}

/** Whether `name` is passed by default. */
export function isBaseEnvName(name: string): boolean {
  return BASE_ENV_NAMES.includes(name) || BASE_ENV_PREFIXES.some((p) => name.startsWith(p))
}

/**
 * The inherited part of the service environment: the allowlist plus the names in `passEnv`, taken
 * from `base`. Forbidden names are dropped here too (config parsing refuses them with a named error).
 * NODE_OPTIONS and JAVA_TOOL_OPTIONS are not in the allowlist on purpose: a runner-level
 * `--require`/`-javaagent` hook would load into every arm (also "tracing off"); pass them by name.
 */
export function inheritedEnv(base: NodeJS.ProcessEnv, passEnv: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || FORBIDDEN_ENV.test(k)) continue
    if (isBaseEnvName(k) || passEnv.includes(k)) out[k] = v
  }
  return out
}

/** Variable names in a `pass-env` value: comma- or newline-separated, trimmed, empty items dropped. */
export function parsePassEnv(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}
