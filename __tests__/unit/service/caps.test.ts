/**
 * Resource caps (service/caps.ts): what the gate reads of the machine's cgroups, and the fallback it
 * states when it cannot make a cgroup. The enforcement itself (a memory hog, a fork bomb) is in the
 * integration lane: __tests__/integration/service/caps.test.ts.
 */
import { formatBytes, openCaps, parseCgroupMounts, parseFlatKeyed, parseOwnCgroups } from '../../../src/service/caps.js'
import { roundOfLog } from '../../../src/service/service.js'

const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw'
].join('\n')
const UNIFIED = '30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate'

test('mounts: a hybrid host has v1 memory and pids and a v2 mount; a unified host only v2', () => {
  expect(parseCgroupMounts(HYBRID)).toEqual({
    v2: '/sys/fs/cgroup/unified',
    v1: { memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids' }
  })
  expect(parseCgroupMounts(UNIFIED)).toEqual({ v2: '/sys/fs/cgroup', v1: {} })
  expect(parseCgroupMounts('')).toEqual({ v2: null, v1: {} })
})

test('own cgroups per hierarchy', () => {
  expect(parseOwnCgroups('8:pids:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/x\n0::/')).toEqual({
    v2: '/',
    v1: { pids: '/', memory: '/process_api/abc', cpu: '/x', cpuacct: '/x' }
  })
  expect(parseOwnCgroups('0::/system.slice/runner.service\n').v2).toBe('/system.slice/runner.service')
})

test('event counters', () => {
  expect(parseFlatKeyed('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n')).toMatchObject({ max: 3, oom_kill: 1 })
  expect(parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 2')).toMatchObject({ oom_kill: 2 })
})

test('sizes as the report says them', () => {
  expect(formatBytes(2 * 1024 ** 3)).toBe('2 GiB')
  expect(formatBytes(256 * 1024 ** 2)).toBe('256 MiB')
  expect(formatBytes(1.5e9)).toBe('1430.5 MiB')
})

test('no cgroup to be had: the fallback says what it does not cover', () => {
  const b = openCaps(
    { memoryBytes: 2 * 1024 ** 3, maxProcesses: 512 },
    { mountinfo: '', ownCgroup: '', canSudo: () => false, hasPrlimit: () => true }
  )
  expect(b.info.mechanism).toBe('rlimit')
  expect(b.info.note).toMatch(/no cgroup available \(no cgroup v2 mount\)/)
  expect(b.info.note).toMatch(/RLIMIT_NPROC 512 \(counts every process of this user.*root is not bound/)
  expect(b.info.note).toMatch(/watchdog .* above 2 GiB \(a fast allocation can overshoot/)
  const c = b.confine('block1-off')
  expect(c.wrap('node server.js')).toBe('prlimit --pid $$ --nproc=512:512 >/dev/null 2>&1; node server.js')
  expect(c.hit()).toBeNull()
  c.dispose()
})

test('without prlimit the fallback says there is no process cap; caps of 0 are off', () => {
  const probe = { mountinfo: '', ownCgroup: '', canSudo: () => false, hasPrlimit: () => false }
  expect(openCaps({ memoryBytes: 0, maxProcesses: 64 }, probe).info.note).toMatch(
    /no process cap \(prlimit not found\)/
  )
  const off = openCaps({ memoryBytes: 0, maxProcesses: 0 }, probe)
  expect(off.info.mechanism).toBe('off')
  expect(off.confine('x').wrap('cmd')).toBe('cmd')
})

test('the round of a log file, for the cap error', () => {
  expect(roundOfLog('/out/logs/block3-on@1.log')).toBe(' in block 3, arm on@1')
  expect(roundOfLog('/out/logs/block2-off-p2.log')).toBe(' in block 2, arm off (process 2)')
  expect(roundOfLog('/tmp/service.log')).toBe('')
})
