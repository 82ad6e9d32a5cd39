import { checkConnectedUrls } from '../../../src/security/target.js'
import { ConfigError, parseConfig } from '../../../src/config/config.js'

describe('checkConnectedUrls: loopback after {port} is filled in, fixed ports found', () => {
  test('a {port} URL owns no fixed port', () => {
    expect(checkConnectedUrls([['target-url', 'http://127.0.0.1:{port}/x']], 4000)).toEqual({ ownedPorts: [] })
  })

  test('a URL without {port}, or with it only in the path, connects to a fixed port', () => {
    expect(
      checkConnectedUrls(
        [
          ['target-url', 'http://127.0.0.1:3000/x'],
          ['ready-url', 'http://localhost:3001/p?port={port}']
        ],
        4000
      )
    ).toEqual({ ownedPorts: [3000, 3001] })
    expect(checkConnectedUrls([['target-url', 'http://[::1]/']], 4000)).toEqual({ ownedPorts: [80] })
  })

  test("'[::{port}]' is refused once the port makes it a non-loopback address", () => {
    expect(() => checkConnectedUrls([['target-url', 'http://[::{port}]:{port}/']], 3000)).toThrow(ConfigError)
    expect(() => checkConnectedUrls([['target-url', 'http://[::{port}]:{port}/']], 3000)).toThrow(
      /'target-url' must be a loopback URL .* connects to \[::3000\] with port 3000/
    )
  })

  test('config parsing refuses it already (checked with two port values)', () => {
    expect(() => parseConfig({ 'start-command': 'x', 'target-url': 'http://[::{port}]:{port}/' })).toThrow(
      /'target-url' must be a loopback URL/
    )
  })
})
