/** Which values of a run are secrets: the token, what the job's and the gate's environments name so. */
import type { Config } from '../config/config.js'
import { registerSecret, registerSecretsFromEnv } from './redact.js'

/**
 * Register every secret a run knows: the `github-token` input (also masked in the job log through
 * `mask`, i.e. core.setSecret), and the values of secret-looking variables of the job's environment,
 * the `env` input and the extra arms (security/redact.ts says which names and lengths count).
 */
export function registerRunSecrets(
  config: Config,
  env: NodeJS.ProcessEnv,
  mask: (value: string) => void = () => {}
): void {
  if (config.githubToken !== '') {
    registerSecret(config.githubToken)
    mask(config.githubToken)
  }
  registerSecretsFromEnv(env)
  registerSecretsFromEnv(config.env)
  for (const arm of config.extraArms) registerSecretsFromEnv(arm.env)
}
