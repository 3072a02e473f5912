/**
 * node/home/: the node's home folder. Every file name in it is spelled in
 * `home.ts`; `config.ts` reads and merges the settings, `db.ts` opens the
 * node's database, `home-files.ts` creates the files a first start needs,
 * and `lock.ts` makes sure one node at a time runs for a home.
 *
 * @example
 * const paths = homePaths(resolveHome())
 * const lock = await lockHome(paths) // NodeAlreadyRunningError if one runs
 * const config = await loadNodeConfig(paths.nodeConfig)
 * const db = await openNodeDb(paths.dataDir)
 */
export { ensureHome, homePaths, resolveHome, type HomePaths } from './home.ts'
export { ConfigError, loadNodeConfig, mergeStartOptions, NotInitializedError, NotJoinedError, saveNodeConfig, type NodeConfig, type OrgSettings, type StartFlags, type StartOptions } from './config.ts'
export { loadOrgPsk, ORG_PSK_LABEL, pskNote, pskOf, saveOrgPsk, type OrgPsk } from './psk.ts'
export { kvStore, openNodeDb, privateFiles, type KvStore, type NodeDb } from './db.ts'
export { loadOrCreateEncryptionKeys, loadOrWritePolicy } from './home-files.ts'
export { isProcessAlive, lockHome, NodeAlreadyRunningError, type HomeLock } from './lock.ts'
