/** Service lifecycle: start/stop one process group per round, readiness, log capture. */
export {
  startService,
  killAllServices,
  findFreePort,
  ServiceError,
  serviceStopStats,
  resetServiceStopStats
} from './service.js'
export type { StopStats } from './service.js'
export type { ServiceOptions, ServiceHandle, ServiceErrorKind, ExitInfo } from './service.js'
export { formatLogTail, readLogTail } from './log-tail.js'
