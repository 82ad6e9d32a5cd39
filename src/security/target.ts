/**
 * Checks of the addresses the load and the readiness poll actually connect to, after `{port}` is
 * filled in: loopback only (`http://[::{port}]:{port}/` passes a check done on the template with one
 * port value, and is a public IPv6 address with another), and the fixed ports (no `{port}`) the
 * service must be shown to own.
 */
import { ConfigError } from '../config/config.js'

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]']

/** Fill `{port}` in a URL template. */
export function fillPort(template: string, port: number): string {
  return template.replaceAll('{port}', String(port))
}

/** The port a http(s) URL connects to. */
function portOf(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
}

/** Whether `template` filled with `other` connects to the same port as `url` (so the port is fixed). */
function sameConnectedPort(template: string, url: URL, other: number): boolean {
  try {
    return portOf(new URL(fillPort(template, other))) === portOf(url)
  } catch {
    return false
  }
}

/**
 * For each `[input, template]`: refuse (ConfigError naming the input) a filled URL whose host is not
 * loopback; return the fixed ports, i.e. those not given by `{port}`, which the service must own.
 */
export function checkConnectedUrls(
  templates: readonly (readonly [string, string])[],
  port: number
): { ownedPorts: number[] } {
  const owned = new Set<number>()
  for (const [input, template] of templates) {
    const filled = fillPort(template, port)
    let url: URL
    try {
      url = new URL(filled)
    } catch {
      throw new ConfigError(
        input,
        `'${input}' must be a loopback http:// URL, got '${template}' (as '${filled}' with port ${port}: not a valid ` +
          `URL)`
      )
    }
    if (!LOOPBACK_HOSTS.includes(url.hostname)) {
      throw new ConfigError(
        input,
        `'${input}' must be a loopback URL (host 127.0.0.1, localhost or [::1]) for every port, got '${template}', ` +
          `which connects to ${url.hostname} with port ${port}`
      )
    }
    // Fixed when the connected port does not follow {port} (absent, or only in the path or query).
    if (!sameConnectedPort(template, url, port === 1 ? 2 : 1)) continue
    owned.add(portOf(url))
  }
  return { ownedPorts: [...owned] }
}
