/** The cloud endpoint's settings, beside node.json. */
export const CLOUD_CONFIG_FILE = 'cloud.json'
/** The endpoint's key, a secret file (sealed with `MYCEL_PASSPHRASE` when one is set). */
export const CLOUD_KEY_FILE = 'cloud-key'
export const CLOUD_KEY_LABEL = 'cloud-key'
/** Largest cloud.json read. */
export const MAX_CLOUD_CONFIG_BYTES = 16 * 1024
/** Largest key file `cloud set --key-file` reads. */
export const MAX_CLOUD_KEY_BYTES = 1024
/** Most local → remote model names. */
export const MAX_CLOUD_MODELS = 64
/** A request to the endpoint, stream included, ends after this. */
export const CLOUD_TIMEOUT_MS = 60_000
/** Most text one reply may stream before it is cut off as too large. */
export const MAX_CLOUD_REPLY_CHARS = 1024 * 1024
/** Most stream chunks one reply may have. */
export const MAX_CLOUD_CHUNKS = 100_000
