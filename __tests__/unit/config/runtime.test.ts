import { describe, expect, it } from '@jest/globals'
import { AUTO_WARMUP, detectRuntime } from '../../../src/config/runtime.js'
import { parseConfig } from '../../../src/config/config.js'

describe('detectRuntime', () => {
  it.each([
    ['java -jar target/app.jar', 'jvm'],
    ['/usr/lib/jvm/bin/java -javaagent:otel.jar -jar app.jar', 'jvm'],
    ['env PORT={port} exec java -cp app.jar Main', 'jvm'],
    ['JAVA_OPTS=-Xmx1g ./mvnw spring-boot:run', 'jvm'],
    ['./gradlew bootRun', 'jvm'],
    ['sh -c "exec $JAVA_HOME/bin/java -jar x.jar"', 'jvm'],
    ['./bin/server --port {port}', 'other'],
    ['node server.js', 'other'],
    ['python -m uvicorn app:app', 'other'],
    ['go run ./cmd/server', 'other'],
    ['./javadoc-server', 'other']
  ])('%s → %s', (command, runtime) => {
    expect(detectRuntime([command])).toBe(runtime)
  })

  it('reads a -javaagent handed over in the environment, and any of the commands', () => {
    expect(detectRuntime(['./start.sh'], { JAVA_TOOL_OPTIONS: '-javaagent:/otel/agent.jar' })).toBe('jvm')
    expect(detectRuntime(['./start.sh'], { JAVA_TOOL_OPTIONS: '-Xmx512m' })).toBe('other')
    expect(detectRuntime(['./bin/server', '', 'java -jar base.jar'])).toBe('jvm')
  })
})

describe('auto warm-up limits in the config', () => {
  const base = { 'start-command': './bin/server --port {port}', 'target-url': 'http://127.0.0.1:{port}/' }

  it('gives a JVM a floor and a larger cap, anything else the short cap', () => {
    const go = parseConfig(base)
    expect([go.warmupRuntime, go.warmupMinSec, go.warmupCapSec]).toEqual(['other', 0, AUTO_WARMUP.other.capSec])
    const jvm = parseConfig({ ...base, 'start-command': 'java -javaagent:a.jar -jar app.jar --port={port}' })
    expect([jvm.warmupRuntime, jvm.warmupMinSec, jvm.warmupCapSec]).toEqual(['jvm', 120, 150])
  })

  it('keeps explicit values, and clamps the auto floor to an explicit cap', () => {
    const jvm = { ...base, 'start-command': 'java -jar app.jar' }
    expect(parseConfig({ ...jvm, 'warmup-cap': '60' })).toMatchObject({ warmupCapSec: 60, warmupMinSec: 60 })
    expect(parseConfig({ ...jvm, 'warmup-min': '10' })).toMatchObject({ warmupCapSec: 150, warmupMinSec: 10 })
    expect(parseConfig({ ...base, 'warmup-min': '20', 'warmup-cap': '40' })).toMatchObject({
      warmupCapSec: 40,
      warmupMinSec: 20
    })
  })

  it('names the input and the bad value', () => {
    expect(() => parseConfig({ ...base, 'warmup-min': 'soon' })).toThrow(
      "'warmup-min' must be 'auto' or a number of seconds from 0 to 3600, got 'soon'"
    )
    expect(() => parseConfig({ ...base, 'warmup-min': '50', 'warmup-cap': '40' })).toThrow(
      /'warmup-min' must be at most 'warmup-cap' \(40 s\).*got '50'/s
    )
  })
})
