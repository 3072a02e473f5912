/**
 * The node's A2A agent card (spec §4.4.1, §8), built from what the mesh
 * offers through this node (`TaskOffer`: this node's verified card and the
 * members' that policy lets it send to) and signed with the node's Ed25519
 * identity key as a JWS (spec §8.4): the payload is the SDK's RFC 8785
 * canonical form of the card without `signatures`, the protected header
 * names `alg: EdDSA` (RFC 8037), `typ: JOSE`, the peer id as `kid` and the
 * public key as `jwk`. A peer id encodes its Ed25519 key, so anyone who knows
 * the node's peer id can check the card without a JWKS endpoint.
 *
 * @example
 * const json = signCard(agentCardJson(about, offers), identity)
 * await verifyAgentCardSignature(async () => publicJwk(peerKey))(json) // the SDK's verifier
 */
import { AgentCard, canonicalizeAgentCard, type AgentSkill } from '@a2a-js/sdk'
import type { IdentityModule } from '../api/modules.ts'
import type { TaskOffer } from '../tasks/index.ts'
import { A2A_LEGACY_VERSION, A2A_RPC_PATH, CARD_JWS_ALG, DEFAULT_KIND, SECURITY_SCHEME, TEXT_FIELDS } from './constants.ts'

/** What the card says of the node itself. */
export interface CardAbout {
  peerId: string
  name: string
  org: string | null
  /** The API's base URL, e.g. `http://127.0.0.1:7878`. */
  apiUrl: string
  /** This node's capability card sequence number: the card's `version` moves with it. */
  seq: number
}

const KIND_TEXT: Readonly<Record<string, string>> = {
  echo: 'Returns the text it is given, streamed in pieces (tests; metadata input `chunks`, `delayMs`).',
  'llm.chat': 'Chat completion on a local GGUF model of the mesh (the default for a plain text message).',
  'llm.complete': 'Text completion on a local GGUF model of the mesh.',
  'llm.embed': 'Embeddings of the text on a local embedding model of the mesh.',
  'memory.search': 'Searches the memory collections a member holds (BM25 and vectors).',
  'memory.ask': 'Answers a question from the memory collections, with sources.',
  'tool.call': 'Calls a tool a member provides (input as a data part: `{ tool, arguments }`).'
}

function skillOf (o: TaskOffer): AgentSkill {
  const on = o.models.length > 0 ? ` Models: ${o.models.join(', ')}.` : ''
  const tools = o.tools.length > 0 ? ` Tools: ${o.tools.join(', ')}.` : ''
  const where = ` Served by ${o.peers.length} member${o.peers.length === 1 ? '' : 's'}.`
  const text = TEXT_FIELDS[o.kind] != null
  return {
    id: o.kind,
    name: o.kind,
    description: `${KIND_TEXT[o.kind] ?? `The Mycel task kind ${o.kind}.`}${on}${tools}${where}`,
    tags: ['mycel', o.kind, ...o.models.map(m => `model:${m}`), ...o.tools.map(t => `tool:${t}`)],
    examples: [text
      ? `Any text, with message metadata {"mycel":{"kind":"${o.kind}"${o.models[0] != null ? `,"model":"${o.models[0]}"` : ''}}}${o.kind === DEFAULT_KIND ? ' (or none)' : ''}`
      : `A data part with the input, and metadata {"mycel":{"kind":"${o.kind}"}}`],
    inputModes: text ? ['text/plain'] : ['application/json'],
    outputModes: ['text/plain', 'application/json'],
    securityRequirements: []
  }
}

/** The card's fixed parts: what the JSON-RPC handler needs (capabilities), without skills or URLs. */
export function baseAgentCard (): AgentCard {
  return {
    name: 'Mycel node',
    description: '',
    supportedInterfaces: [],
    provider: undefined,
    version: '',
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {
      [SECURITY_SCHEME]: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: 'The node API token (api.json in the node home), as for /v1 and /api', scheme: 'Bearer', bearerFormat: '' } } }
    },
    securityRequirements: [{ schemes: { [SECURITY_SCHEME]: { list: [] } } }],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [],
    signatures: []
  }
}

/** The unsigned card as it goes on the wire (ProtoJSON, spec §5.5). */
export function agentCardJson (about: CardAbout, offers: TaskOffer[]): Record<string, unknown> {
  const url = `${about.apiUrl}${A2A_RPC_PATH}`
  const card: AgentCard = {
    ...baseAgentCard(),
    name: `Mycel node ${about.name}`,
    description: `A member of the Mycel mesh${about.org != null ? ` of ${about.org}` : ''}: tasks sent here are routed to the member that can run them (policy-checked and audited), peer id ${about.peerId}.`,
    supportedInterfaces: [
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_LEGACY_VERSION }
    ],
    version: `${about.seq}`,
    skills: offers.map(skillOf)
  }
  return AgentCard.toJSON(card) as Record<string, unknown>
}

const b64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url')

/** The card with one JWS signature by this node's key appended (spec §8.4.2). */
export function signCard (card: Record<string, unknown>, about: Pick<CardAbout, 'peerId'>, identity: IdentityModule): Record<string, unknown> {
  const header = { alg: CARD_JWS_ALG, typ: 'JOSE', kid: about.peerId, jwk: { kty: 'OKP', crv: 'Ed25519', x: b64url(identity.publicKey) } }
  const protectedHeader = b64url(JSON.stringify(header))
  const signingInput = `${protectedHeader}.${b64url(canonicalizeAgentCard(card as unknown as AgentCard))}`
  const signature = b64url(identity.sign(new TextEncoder().encode(signingInput)))
  const signatures = Array.isArray(card.signatures) ? card.signatures : []
  return { ...card, signatures: [...signatures, { protected: protectedHeader, signature }] }
}
