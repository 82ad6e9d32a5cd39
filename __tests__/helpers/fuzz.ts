/**
 * Seeded fuzzing of the readers of files from elsewhere (results in `mode: report`, stored baselines
 * and history via `baseline-path`): fast-check mutates valid files and the property says what any input
 * may do: be read, or be refused with a named error; never crash, hang, echo a huge value, or render
 * anything from a refused file. Shared by the unit lane (a few hundred cases) and the integration lane
 * (10,000 and more).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { parseConfig, type Config } from '../../src/config/config.js'
import { appendRun } from '../../src/results/history.js'
import { loadBaseline, readResultsFile, ResultsValidationError, UnreadableFileError } from '../../src/results/read.js'
import type { ResultsFile } from '../../src/results/results.js'
import { runReport } from '../../src/gate/run-gate.js'
import { sampleResults } from './results.js'

/** A placeholder replaced by raw JSON text after serialising (NaN, 1e999, deep nesting, prototype keys). */
const RAW = (i: number): string => `\u0000RAW${i}\u0000`

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** Every path (keys and indexes) in `v`, the root included. */
function pathsOf(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at)
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out))
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out)
  return out
}

function setAt(root: Json, at: (string | number)[], value: Json | undefined): Json {
  if (at.length === 0) return value === undefined ? null : value
  let v: Json = root
  for (const k of at.slice(0, -1)) v = (v as Record<string, Json>)[k as string] as Json
  const last = at[at.length - 1] as string | number
  if (Array.isArray(v)) {
    if (value === undefined) v.splice(last as number, 1)
    else v[last as number] = value
  } else if (v !== null && typeof v === 'object') {
    if (value === undefined) delete (v as Record<string, Json>)[last as string]
    else (v as Record<string, Json>)[last as string] = value
  }
  return root
}

/** A hostile value: raw text (`raw`) or JSON data. */
type Hostile = { raw: string } | { json: Json } | { remove: true }

const bigString = (mb: number): string => 'A'.repeat(mb * 1024 * 1024)

/** The hostile replacements; the 50 MB string is rare (its file costs ~0.3 s to parse). */
function hostileValue(): fc.Arbitrary<Hostile> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<Hostile>({ raw: 'NaN' }, { raw: 'Infinity' }, { raw: '-Infinity' }) },
    { weight: 4, arbitrary: fc.constantFrom<Hostile>({ raw: '1e999' }, { raw: '-1e999' }, { raw: '1e-400' }) },
    {
      weight: 4,
      arbitrary: fc.constantFrom<Hostile>(
        { json: 'NaN' },
        { json: 'Infinity' },
        { json: '-Infinity' },
        { json: '1e999' },
        { json: 1e308 },
        { json: -1e308 },
        { json: Number.MAX_SAFE_INTEGER * 1024 },
        { json: -0 },
        { json: 0 },
        { json: -1 }
      )
    },
    { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json: json as Json })) },
    { weight: 3, arbitrary: fc.string({ maxLength: 30 }).map((json) => ({ json })) },
    { weight: 4, arbitrary: fc.constant<Hostile>({ remove: true }) },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 20, max: 5000 }).map((d): Hostile => ({ raw: `${'['.repeat(d)}1${']'.repeat(d)}` }))
    },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: 20, max: 3000 })
        .map((d): Hostile => ({ raw: `${'{"a":'.repeat(d)}1${'}'.repeat(d)}` }))
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Hostile>(
        { raw: '{"__proto__":{"verdict":"pass","polluted":true}}' },
        { raw: '{"constructor":{"prototype":{"polluted":true}}}' },
        { raw: '{"__proto__":null,"toString":1,"hasOwnProperty":"x"}' },
        { raw: '[{"__proto__":{"length":1e9}}]' }
      )
    },
    { weight: 1, arbitrary: fc.constantFrom<Hostile>({ json: bigString(1) }, { json: 'x'.repeat(20_001) }) }
  )
}

/** One mutation of a file's text. */
export type Mutation =
  | { kind: 'set'; pick: number; value: Hostile }
  | { kind: 'truncate'; at: number }
  | { kind: 'key'; pick: number; key: string; value: Hostile }
  | { kind: 'huge'; pick: number }

export function mutationArb(): fc.Arbitrary<Mutation[]> {
  const one = fc.oneof(
    { weight: 200, arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: hostileValue() }) },
    { weight: 40, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
    {
      weight: 60,
      arbitrary: fc.record({
        kind: fc.constant('key' as const),
        pick: fc.nat(),
        key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'extra', ''),
        value: hostileValue()
      })
    },
    // 50 MB strings: rare on purpose (parsing them is the slow part of the run).
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), pick: fc.nat() }) }
  )
  return fc.array(one, { minLength: 1, maxLength: 3 })
}

/** Apply `mutations` to `base` and return the file's text. */
export function mutate(base: Json, mutations: readonly Mutation[]): string {
  let json = structuredClone(base)
  const raws: string[] = []
  const valueOf = (h: Hostile): Json | undefined => {
    if ('remove' in h) return undefined
    if ('json' in h) return h.json
    raws.push(h.raw)
    return RAW(raws.length - 1)
  }
  let truncateAt: number | null = null
  for (const m of mutations) {
    const paths = pathsOf(json)
    if (m.kind === 'truncate') truncateAt = m.at
    else if (m.kind === 'set') json = setAt(json, paths[m.pick % paths.length] as (string | number)[], valueOf(m.value))
    else if (m.kind === 'huge') json = setAt(json, paths[m.pick % paths.length] as (string | number)[], bigString(50))
    else {
      const objects = paths.filter((p) => {
        let v: Json = json
        for (const k of p) v = (v as Record<string, Json>)[k as string] as Json
        return v !== null && typeof v === 'object' && !Array.isArray(v)
      })
      const at = objects[m.pick % objects.length] ?? []
      let target: Json = json
      for (const k of at) target = (target as Record<string, Json>)[k as string] as Json
      const v = valueOf(m.value)
      // defineProperty: a '__proto__' key must become a key of the JSON text, as a hostile file has it.
      if (v !== undefined && target !== null && typeof target === 'object')
        Object.defineProperty(target, m.key, { value: v, enumerable: true, writable: true, configurable: true })
    }
  }
  let text = JSON.stringify(json)
  raws.forEach((raw, i) => (text = text.split(JSON.stringify(RAW(i))).join(raw)))
  return truncateAt === null ? text : text.slice(0, truncateAt % (text.length + 1))
}

/** A valid results file and a valid history of three runs, as plain JSON. */
export function validFiles(): { results: Json; history: Json } {
  const results = sampleResults()
  const runs: ResultsFile[] = [0, 1, 2].map((i) => ({ ...sampleResults(), createdAt: `2026-12-0${i + 1}T00:00:00Z` }))
  const history = appendRun(runs.slice(0, 2), runs[2] as ResultsFile, 5)
  return {
    results: JSON.parse(JSON.stringify(results)) as Json,
    history: JSON.parse(JSON.stringify(history)) as Json
  }
}

/** Longest error message allowed: a message must never carry a file's content. */
const MAX_MESSAGE = 2000
/** A hang detector, not a speed check: a 50 MB file parses in well under a second on these machines. */
export const HANG_BOUND_MS = 20_000

/**
 * The property for one mutated file at `file`: the results reader and `mode: report` either accept it
 * (and the report renders) or refuse it with a named error and write nothing; the baseline reader never
 * throws, and uses nothing from a refused file.
 */
export function checkOne(dir: string, text: string, config: Config): boolean {
  const file = path.join(dir, 'input.json')
  const out = path.join(dir, 'out')
  fs.rmSync(out, { recursive: true, force: true })
  fs.writeFileSync(file, text)
  const t0 = Date.now()
  let accepted = true
  try {
    readResultsFile(file)
  } catch (e) {
    accepted = false
    if (!(e instanceof ResultsValidationError || e instanceof UnreadableFileError)) throw e
    if (e.message.length > MAX_MESSAGE) throw new Error(`error message of ${e.message.length} characters`, { cause: e })
  }
  const r = runReport({ ...config, resultsFile: file, outputDir: out })
  if (r.ok !== accepted)
    throw new Error(
      `mode: report ${r.ok ? 'rendered' : 'refused'} what the reader ${accepted ? 'accepted' : 'refused'}`
    )
  if (!r.ok) {
    // Nothing rendered or written from a refused file.
    if (fs.existsSync(out)) throw new Error('mode: report wrote files for a refused results file')
    if (r.message.length > MAX_MESSAGE + 500) throw new Error(`report message of ${r.message.length} characters`)
  } else if (r.markdown.length === 0) throw new Error('an accepted file rendered nothing')
  const b = loadBaseline(file)
  if (!['ok', 'missing', 'malformed', 'future-version', 'unusable'].includes(b.status))
    throw new Error(`baseline status ${b.status}`)
  if (b.status !== 'ok' && b.message.length > MAX_MESSAGE + 500)
    throw new Error(`baseline message of ${b.message.length} characters`)
  if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype was polluted')
  const ms = Date.now() - t0
  if (ms > HANG_BOUND_MS) throw new Error(`one file took ${ms} ms (hang bound ${HANG_BOUND_MS} ms)`)
  return accepted
}

/** A config for `mode: report` (only resultsFile and outputDir are set per case). */
export function reportConfig(): Config {
  return parseConfig({ 'start-command': 'node s.js' })
}

/** Run `numRuns` seeded cases over the results file and over the history file; returns how many were accepted. */
export function fuzzReaders(dir: string, numRuns: number, seed: number): { accepted: number; refused: number } {
  const { results, history } = validFiles()
  const config = reportConfig()
  // The valid files themselves pass (otherwise every case would be a refusal and prove nothing).
  checkOne(dir, JSON.stringify(results), config)
  if (loadBaseline(path.join(dir, 'input.json')).status !== 'ok') throw new Error('the valid results file is refused')
  fs.writeFileSync(path.join(dir, 'h.json'), JSON.stringify(history))
  if (loadBaseline(path.join(dir, 'h.json')).status !== 'ok') throw new Error('the valid history file is refused')
  const count = { accepted: 0, refused: 0 }
  fc.assert(
    fc.property(fc.boolean(), mutationArb(), (useHistory, mutations) => {
      if (checkOne(dir, mutate(useHistory ? history : results, mutations), config)) count.accepted++
      else count.refused++
    }),
    { numRuns, seed, endOnFailure: true }
  )
  return count
}
