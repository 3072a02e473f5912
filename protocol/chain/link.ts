/**
 * One link of a delegation chain: the signed statement "on behalf of
 * `origin`, I (`issuer`, or its `agent`) hand task `task` to `audience`,
 * within `scope`". The payload is canonical CBOR inside a signed record of
 * its own domain (`mycel-chain-link`), signed by the agent's key when an
 * agent issued the hop (its node → agent certificate rides along) or else
 * by the issuing node's key. Signatures are checked before the payload is
 * read (see verify.ts); crypto comes in through `ChainCrypto`, so this
 * folder stays free of key handling.
 */
import { decodeCbor, encodeCbor } from '../cbor.ts'
import { MAX_CHAIN_LINK_BYTES, MAX_CHAIN_LINKS } from '../task/messages.ts'
import { bytes, literal, object, optional, parse, str, uint, type Infer } from '../shape.ts'
import { SCOPE } from './scope.ts'

const HEX_ID = str({ min: 32, max: 32, pattern: /^[0-9a-f]{32}$/ })
const PEER = str({ min: 1, max: 128 })
/** Agent names as identity/agent-cert.ts AGENT_NAME spells them. */
const AGENT_NAME = str({ min: 1, max: 64, pattern: /^[a-z][a-z0-9-]*$/ })

const LinkShape = object({
  v: literal(1),
  /** Org id: a link made in one org means nothing in another. */
  org: str({ max: 64 }),
  /** Peer id of the member whose request started the chain. */
  origin: PEER,
  /** Peer id of the node that issued this hop: the audience of the previous link. */
  issuer: PEER,
  /** The agent on `issuer` that issued the hop, with its key and its node → agent certificate. */
  agent: optional(object({ name: AGENT_NAME, key: bytes({ length: 32 }), cert: bytes({ max: 4096 }) })),
  /** Peer id of the executor this link is for. */
  audience: PEER,
  /** The task this link is bound to. */
  task: HEX_ID,
  /** The task that issued it: the previous link's `task` (absent on a root no task issued). */
  parent: optional(HEX_ID),
  /** 1 for the root. */
  depth: uint({ min: 1, max: MAX_CHAIN_LINKS }),
  scope: SCOPE,
  issuedAt: uint(),
  expiresAt: uint(),
  /** Makes every link distinct, so each one is seen once. */
  nonce: HEX_ID
})
export type ChainLink = Infer<typeof LinkShape>

export function encodeLinkPayload (link: ChainLink): Uint8Array {
  return encodeCbor(link)
}

export function decodeLinkPayload (b: Uint8Array): ChainLink {
  return parse(LinkShape, decodeCbor(b, { maxBytes: MAX_CHAIN_LINK_BYTES }), 'chain link')
}

/** Who signs a link: a node's key or an agent's (identity/keys, ChainSigner). */
export interface LinkSigner { publicKey: Uint8Array, sign: (msg: Uint8Array) => Uint8Array }

/** The signing and key functions chains need, from identity/ (see identity/chain-crypto.ts). */
export interface ChainCrypto {
  /** Wraps a payload into a signed record of the chain-link domain. */
  seal: (signer: LinkSigner, payload: Uint8Array) => Uint8Array
  /** Verifies a signed record of the chain-link domain; throws InvalidSignatureError or MalformedMessageError. */
  open: (record: Uint8Array) => { publicKey: Uint8Array, payload: Uint8Array }
  peerIdOf: (publicKey: Uint8Array) => string
  /** The node key a peer id names; throws on one that names none. */
  publicKeyOf: (peerId: string) => Uint8Array
  /** Verifies a node → agent certificate for `node`'s key at `now`; throws when it does not hold. */
  agentCert: (cert: Uint8Array, node: Uint8Array, now: number) => { agent: Uint8Array, name: string }
}
