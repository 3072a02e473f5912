/**
 * Cloud fallback: an external OpenAI-compatible endpoint that a task may
 * go to when no member can serve it and the policy lets its kind and data
 * class leave the org.
 *
 * @example
 * await saveCloudConfig(cloudPaths(home), { v: 1, url: 'https://api.example.com/v1', models: { small: 'gpt-4o-mini' }, key: 'file' })
 * await storeCloudKey(cloudPaths(home), key, passphrase)
 */
export { cloudFallback, CloudFallback, type CloudFallbackComponents, type CloudStatus, type CloudTask } from './fallback.ts'
export { cloudPaths, checkCloudConfig, loadCloudConfig, normaliseCloudUrl, removeCloudConfig, saveCloudConfig, type CloudConfig, type CloudPaths } from './config.ts'
export { loadCloudKey, readKeyFileGiven, storeCloudKey } from './key.ts'
export { CloudConfigError, CloudEndpointError, type CloudFailure } from './errors.ts'
export { CLOUD_KINDS } from './request.ts'
export { CLOUD_KEY_FILE, CLOUD_CONFIG_FILE, CLOUD_KEY_LABEL } from './constants.ts'
