/**
 * The capability card: what a node offers, signed by the node itself.
 *
 * A card travels as a signed record (domain `mycel-capability-card`) whose
 * payload is the CBOR below. It carries the node's membership chain so a
 * receiver can check that the signer is a member without ever having
 * connected to it. Receivers verify signature, membership, sequence and
 * expiry before using a card (see node/cards).
 */
import { decodeCbor, encodeCbor } from '../cbor.ts'
import { arrayOf, bytes, json, literal, nullable, object, oneOf, optional, parse, str, uint, type Infer } from '../shape.ts'
import { DATA_CLASSES, MAX_TASK_TOOL_CHARS } from '../task/messages.ts'
import { LoadShape, type TaskLoad } from '../load/beat.ts'

export const CARD_DOMAIN = 'mycel-capability-card'
export const CARD_PAYLOAD_TYPE = 'mycel/card/1'
export const MAX_CARD_BYTES = 32 * 1024

const Model = object({
  name: str({ max: 128 }),
  sha256: str({ max: 64, pattern: /^[0-9a-f]{64}$/ }),
  architecture: str({ max: 64 }),
  parameters: optional(uint()),
  quantisation: optional(str({ max: 32 })),
  /** Tokens per context sequence. */
  contextLength: uint({ max: 10_000_000 }),
  /**
   * Context no task holds when the card was issued: free sequences x
   * `contextLength` (each sequence has its own KV cells). Absent on older cards.
   */
  freeContext: optional(uint({ max: 1_000_000_000 }))
})
export type CardModel = Infer<typeof Model>

/** Characters of a tool's description in a card (the provider's may be longer; the card carries the start). */
export const CARD_TOOL_DESCRIPTION_MAX_CHARS = 1024
/** Nesting and values of one tool's input schema in a card. */
export const CARD_TOOL_SCHEMA_MAX_DEPTH = 12
export const CARD_TOOL_SCHEMA_MAX_ITEMS = 512
/** Tools one card lists. */
export const CARD_TOOLS_MAX = 64

/** A tool the node offers: `PROVIDER.TOOL`, its input schema, and the data class of its output. */
const Tool = object({
  name: str({ max: MAX_TASK_TOOL_CHARS }),
  description: str({ max: CARD_TOOL_DESCRIPTION_MAX_CHARS }),
  schema: json({ maxDepth: CARD_TOOL_SCHEMA_MAX_DEPTH, maxItems: CARD_TOOL_SCHEMA_MAX_ITEMS }),
  class: optional(oneOf(DATA_CLASSES))
})
export type CardTool = Infer<typeof Tool>

/** Agents one card lists, the tools each names, and the characters of a description. */
export const CARD_AGENTS_MAX = 16
export const CARD_AGENT_TOOLS_MAX = 16
export const CARD_AGENT_DESCRIPTION_MAX_CHARS = 256

/** An agent the node runs (`agent.run`), so peers can delegate to a specialist. */
const Agent = object({
  name: str({ max: 64 }),
  model: str({ max: 128 }),
  tools: arrayOf(str({ max: 128 }), { max: CARD_AGENT_TOOLS_MAX }),
  description: optional(str({ max: CARD_AGENT_DESCRIPTION_MAX_CHARS }))
})
export type CardAgent = Infer<typeof Agent>

/** A memory collection the node holds: its name, class and size, never its contents. */
const Collection = object({
  name: str({ max: 128 }),
  classification: oneOf(['public', 'internal', 'confidential', 'local-only'] as const),
  documents: optional(uint()),
  chunks: optional(uint()),
  /** The registered model its vectors come from, when it has any. */
  embedModel: optional(str({ max: 128 }))
})
export type CardCollection = Infer<typeof Collection>

const Hardware = object({
  backend: oneOf(['cuda', 'vulkan', 'metal', 'cpu'] as const),
  gpuName: optional(str({ max: 128 })),
  vramBytes: optional(uint()),
  cpuCores: uint({ max: 4096 }),
  ramBytes: uint(),
  slots: uint({ max: 4096 })
})
export type CardHardware = Infer<typeof Hardware>

const Load = LoadShape
export type CardLoad = TaskLoad

const CardPayload = object({
  v: literal(1),
  peerId: str({ max: 128 }),
  name: str({ max: 64 }),
  org: str({ max: 64 }),
  seq: uint(),
  issuedAt: uint(),
  expiresAt: uint(),
  addrs: arrayOf(str({ max: 256 }), { max: 16 }),
  taskKinds: arrayOf(str({ max: 64 }), { max: 64 }),
  models: arrayOf(Model, { max: 64 }),
  tools: arrayOf(Tool, { max: CARD_TOOLS_MAX }),
  collections: arrayOf(Collection, { max: 256 }),
  /** Absent on cards of nodes older than agents. */
  agents: optional(arrayOf(Agent, { max: CARD_AGENTS_MAX })),
  hardware: Hardware,
  load: Load,
  /** X25519 public key that task payloads for this node are encrypted to. */
  encryptionKey: bytes({ length: 32 }),
  /** Roles the node holds in the org, e.g. `admin` (can issue and renew certificates). */
  roles: arrayOf(str({ max: 32 }), { max: 8 }),
  /** Task kinds the node's policy lets org members invoke. */
  policy: object({ kinds: arrayOf(str({ max: 64 }), { max: 64 }) }),
  /** The node's membership chain, so receivers can verify the signer is a member. */
  cert: bytes({ max: 8 * 1024 }),
  /** Free-form label shown in the dashboard. */
  note: optional(nullable(str({ max: 256 })))
})
export type CapabilityCard = Infer<typeof CardPayload>

export function encodeCardPayload (card: CapabilityCard): Uint8Array {
  return encodeCbor(card)
}

export function decodeCardPayload (bytes: Uint8Array): CapabilityCard {
  return parse(CardPayload, decodeCbor(bytes, { maxBytes: MAX_CARD_BYTES }), 'capability card')
}

/** A set of signed cards and the revocation list, exchanged on connect (`SYNC_PROTOCOL`). */
const SyncMessage = object({
  v: literal(1),
  t: literal('sync'),
  cards: arrayOf(bytes({ max: MAX_CARD_BYTES + 512 }), { max: 1024 }),
  revocations: optional(bytes({ max: 1536 * 1024 })),
  /** The org's signed model catalog (identity/model-catalog.ts). */
  catalog: optional(bytes({ max: 520 * 1024 }))
})
export type SyncMessage = Infer<typeof SyncMessage>
export const MAX_SYNC_BYTES = 4 * 1024 * 1024

export function encodeSyncMessage (msg: SyncMessage): Uint8Array {
  return encodeCbor(msg)
}

export function decodeSyncMessage (b: Uint8Array): SyncMessage {
  return parse(SyncMessage, decodeCbor(b, { maxBytes: MAX_SYNC_BYTES }), 'sync message')
}
