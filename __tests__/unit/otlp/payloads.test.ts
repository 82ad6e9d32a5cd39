/** The wire walker on real export bodies of four SDKs (see payloads/README.md), against the object decoder. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { SpanBatch } from '../../../src/otlp/batch.js'
import { decodeTracesProtobuf } from '../../../src/otlp/decode.js'
import { walkTracesProtobuf } from '../../../src/otlp/walk.js'
import { SpanWindow } from '../../../src/otlp/window.js'
import { batchFacts, referenceFacts } from './reference.js'

const load = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`./payloads/${name}.bin`, import.meta.url)))

// Spans per API request: Go gin and Node make a server span and a child; the zero-code agents one server span.
test.each([
  ['go-gin', 'go-gin-fixture', 2],
  ['java-agent', 'java-agent-fixture', 1],
  ['node-sdk', 'node-fixture', 2],
  ['python', 'python-fixture', 1]
] as const)('%s: same counts and span facts as the object decoder', (name, service, perRequest) => {
  const body = load(name)
  const batch = new SpanBatch()
  const summary = walkTracesProtobuf(body, batch)
  expect(summary).toEqual(decodeTracesProtobuf(body, 'full'))
  expect(summary.serviceNames).toEqual([service])
  const facts = batchFacts(batch)
  const reference = referenceFacts(body)
  expect(facts.map(({ startMs: _, ...f }) => f)).toEqual(reference.map(({ startMs: _, ...f }) => f))
  facts.forEach((f, i) => expect(Math.abs(f.startMs - reference[i]!.startMs)).toBeLessThanOrEqual(0.002))
  // 3 API requests (+ readiness polls, one root each): every trace has exactly one root here.
  const roots = facts.filter((f) => f.root).length
  expect(roots).toBeGreaterThanOrEqual(3)
  const window = new SpanWindow()
  window.commit(batch)
  const all = window.counts(0, 4e12)
  expect(all).toMatchObject({ spans: facts.length, roots, traces: roots })
  expect(facts.length).toBeGreaterThanOrEqual(3 * perRequest)
})
