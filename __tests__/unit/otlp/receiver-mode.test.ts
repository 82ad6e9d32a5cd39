/** Where the receiver runs: the worker's entry file beside the gate's module, and the choice of worker vs in-process. */
import { expect } from '@jest/globals'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { findReceiverWorkerFile } from '../../../src/otlp/worker-host.js'
import { chooseReceiverMode } from '../../../src/measure/rig.js'

describe('findReceiverWorkerFile', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'worker-file-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const moduleUrl = (name: string): string => pathToFileURL(path.join(dir, name)).href

  test('tsc layout: worker-main.js beside the starting module', () => {
    writeFileSync(path.join(dir, 'worker-main.js'), '')
    expect(findReceiverWorkerFile(moduleUrl('worker-host.js'))).toBe(path.join(dir, 'worker-main.js'))
  })

  test('ncc layout: otlp-worker/index.js beside dist/index.js', () => {
    mkdirSync(path.join(dir, 'otlp-worker'))
    writeFileSync(path.join(dir, 'otlp-worker', 'index.js'), '')
    expect(findReceiverWorkerFile(moduleUrl('index.js'))).toBe(path.join(dir, 'otlp-worker', 'index.js'))
  })

  test('none beside it (the TypeScript sources), or not a file URL → null', () => {
    expect(findReceiverWorkerFile(moduleUrl('worker-host.ts'))).toBeNull()
    expect(findReceiverWorkerFile('data:text/javascript,0')).toBeNull()
  })

  test('from the sources under jest there is no worker file: tests use the in-process receiver', () => {
    expect(findReceiverWorkerFile()).toBeNull()
  })
})

describe('chooseReceiverMode', () => {
  test('worker when the file exists and the thread CPU can be read', () => {
    expect(chooseReceiverMode('/x/otlp-worker/index.js', true)).toEqual({
      kind: 'worker',
      workerFile: '/x/otlp-worker/index.js'
    })
  })

  test('in-process otherwise, saying why', () => {
    expect(chooseReceiverMode(null, true)).toMatchObject({
      kind: 'in-process',
      reason: expect.stringContaining('no receiver worker file')
    })
    expect(chooseReceiverMode('/x/otlp-worker/index.js', false)).toMatchObject({
      kind: 'in-process',
      reason: expect.stringContaining('/proc/thread-self')
    })
  })
})
