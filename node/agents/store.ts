/**
 * Agent profiles in the node's database and agent keys beside the node key.
 * Each agent's ed25519 key is a secret file in `<home>/agents/NAME.key`
 * (0600, encrypted with the node's passphrase when it has one), the way
 * the node key is kept; the profile goes in the `agents` sublevel. Create
 * writes the key first and the profile last, and undoes the key when the
 * profile cannot be written; remove deletes the profile first: a crash in
 * between leaves at worst a key file no profile names, which the next
 * create of that name replaces.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, type Ed25519KeyPair } from '../../identity/keys.ts'
import { loadKeyPair, saveKeyPair } from '../../identity/keystore.ts'
import { toHex } from '../../identity/bytes.ts'
import { MAX_AGENTS } from './constants.ts'
import { AgentExistsError, TooManyAgentsError, UnknownAgentError } from './errors.ts'
import { parseProfile, profileOf, type AgentProfile, type AgentSpec } from './profile.ts'

/** Label of an agent's key file (the node key's is `node-key`). */
export const AGENT_KEY_LABEL = 'agent-key'

/** The sublevel profiles live in: JSON values by agent name. */
export interface ProfileDb {
  get: (key: string) => Promise<unknown>
  put: (key: string, value: unknown) => Promise<void>
  del: (key: string) => Promise<void>
  iterator: () => AsyncIterable<[string, unknown]>
}

export interface AgentStoreInit {
  db: ProfileDb
  /** Folder of the agents' key files. */
  keysDir: string
  /** Encrypts the keys at rest (`MYCEL_PASSPHRASE`). */
  passphrase?: string
  /** scrypt cost of key files. @default the keystore's */
  scryptLogN?: number
  now?: () => number
}

export class AgentStore {
  private readonly init: AgentStoreInit

  constructor (init: AgentStoreInit) {
    this.init = init
  }

  private keyPath (name: string): string { return join(this.init.keysDir, `${name}.key`) }
  private get keyInit (): { passphrase?: string, scryptLogN?: number } {
    return { ...(this.init.passphrase != null ? { passphrase: this.init.passphrase } : {}), ...(this.init.scryptLogN != null ? { scryptLogN: this.init.scryptLogN } : {}) }
  }

  async list (): Promise<AgentProfile[]> {
    const out: AgentProfile[] = []
    for await (const [, value] of this.init.db.iterator()) out.push(parseProfile(value))
    return out.sort((a, b) => a.name < b.name ? -1 : 1)
  }

  async get (name: string): Promise<AgentProfile | undefined> {
    const value = await this.init.db.get(name)
    return value == null ? undefined : parseProfile(value)
  }

  async require (name: string): Promise<AgentProfile> {
    const p = await this.get(name)
    if (p == null) throw new UnknownAgentError(name)
    return p
  }

  /** Creates the profile and the agent's key; refuses a name in use. */
  async create (spec: AgentSpec): Promise<{ profile: AgentProfile, key: Ed25519KeyPair }> {
    const key = generateKeyPair()
    // checked before anything is written
    const profile = profileOf(spec, toHex(key.publicKey), (this.init.now ?? Date.now)())
    if (await this.get(profile.name) != null) throw new AgentExistsError(profile.name)
    if ((await this.list()).length >= MAX_AGENTS) throw new TooManyAgentsError(MAX_AGENTS)
    await mkdir(this.init.keysDir, { recursive: true, mode: 0o700 })
    // a key file no profile names is what a crash between the two writes leaves: replaced here
    await rm(this.keyPath(profile.name), { force: true })
    await saveKeyPair(this.keyPath(profile.name), key, AGENT_KEY_LABEL, this.keyInit)
    try {
      await this.init.db.put(profile.name, profile)
    } catch (err) {
      await rm(this.keyPath(profile.name), { force: true })
      throw err
    }
    return { profile, key }
  }

  async key (name: string): Promise<Ed25519KeyPair> {
    return await loadKeyPair(this.keyPath(name), AGENT_KEY_LABEL, this.keyInit)
  }

  async remove (name: string): Promise<AgentProfile> {
    const profile = await this.require(name)
    await this.init.db.del(name)
    await rm(this.keyPath(name), { force: true })
    return profile
  }
}
