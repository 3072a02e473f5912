/**
 * Agent certificates: a node vouches for an agent key it holds (node →
 * agent), so audit entries and delegation chains can name the agent and any
 * member can check that the agent belongs to that node. The node's own
 * membership chain says the node belongs to the org; this says the agent
 * belongs to the node.
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { MalformedMessageError } from '../protocol/errors.ts'
import { bytes, literal, object, parse, str, uint, type Infer } from '../protocol/shape.ts'
import { bytesEqual } from './bytes.ts'
import { AGENT_CERT_TTL_MS, AGENT_NAME_MAX_CHARS, CERT_MAX_BYTES } from './constants.ts'
import { UntrustedIssuerError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from './signed-record.ts'
import { checkValidity, newSerial, SERIAL, type ValidityInit } from './validity.ts'

export const AGENT_CERT_DOMAIN = 'mycel-agent-cert'
export const AGENT_CERT_TYPE = 'mycel/agent-cert/1'

/** An agent's name: what `mycel agent create NAME` takes and policy rules name. */
export const AGENT_NAME = str({ min: 1, max: AGENT_NAME_MAX_CHARS, pattern: /^[a-z][a-z0-9-]*$/ })

const AgentCertShape = object({
  v: literal(1),
  /** The node's public key (its peer id's key): the signer. */
  node: bytes({ length: 32 }),
  /** The agent's public key. */
  agent: bytes({ length: 32 }),
  name: AGENT_NAME,
  notBefore: uint(),
  notAfter: uint(),
  serial: SERIAL
})

/** What a node signs about one of its agents; times in ms since the epoch. */
export type AgentCert = Infer<typeof AgentCertShape>

export interface IssueAgentCertInit {
  /** The node's key pair. */
  node: Ed25519KeyPair
  /** The agent's public key. */
  agent: Uint8Array
  name: string
  /** @default one year */
  ttlMs?: number
  /** @default Date.now() */
  now?: number
}

/** Signs an agent certificate with the node key; returns the signed record's bytes. */
export function issueAgentCert (init: IssueAgentCertInit): Uint8Array {
  const now = init.now ?? Date.now()
  const cert: AgentCert = {
    v: 1,
    node: init.node.publicKey,
    agent: init.agent,
    name: AGENT_NAME(init.name, 'name'),
    notBefore: now,
    notAfter: now + (init.ttlMs ?? AGENT_CERT_TTL_MS),
    serial: newSerial()
  }
  return encodeSignedRecord(signRecord(init.node, AGENT_CERT_DOMAIN, AGENT_CERT_TYPE, encodeCbor(cert)))
}

export interface VerifyAgentCertInit extends ValidityInit {
  /** The public key of the node the agent must belong to. */
  node: Uint8Array
}

/** Verifies an agent certificate: signed by `node`, well formed, in its window. */
export function verifyAgentCert (data: Uint8Array, init: VerifyAgentCertInit): AgentCert {
  const cert = openAgentCert(data)
  if (!bytesEqual(cert.node, init.node)) throw new UntrustedIssuerError('Agent certificate belongs to a different node')
  checkValidity(cert.notBefore, cert.notAfter, init, 'Agent certificate')
  return cert
}

/** Verifies an agent certificate's signature and shape, trusting the node it names; no time check. */
export function openAgentCert (data: Uint8Array): AgentCert {
  const rec = openSignedRecord(data, { domain: AGENT_CERT_DOMAIN, payloadType: AGENT_CERT_TYPE, maxBytes: CERT_MAX_BYTES })
  const cert = parse(AgentCertShape, decodeCbor(rec.payload, { maxBytes: CERT_MAX_BYTES }), 'agent certificate')
  if (cert.notAfter < cert.notBefore) throw new MalformedMessageError('Malformed agent certificate: notAfter before notBefore')
  if (!bytesEqual(rec.publicKey, cert.node)) throw new UntrustedIssuerError('Agent certificate was not signed by the node it names')
  return cert
}
