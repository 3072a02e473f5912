/** The service name for the default home (`mycel.service`, `org.mycel.node`). */
export const SERVICE_NAME = 'mycel'
export const LAUNCHD_LABEL_PREFIX = 'org.mycel.node'
/** Seconds between a failed run and the next start (RestartSec, ThrottleInterval). */
export const RESTART_DELAY_S = 5
/** How long `systemctl`/`launchctl` may take before we give up on it. */
export const MANAGER_TIMEOUT_MS = 30_000
/** Bytes of a manager's output kept for the one-line error. */
export const MAX_MANAGER_OUTPUT_BYTES = 64 * 1024
