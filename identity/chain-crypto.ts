/**
 * The crypto delegation chains use (protocol/chain `ChainCrypto`): links
 * are signed records of their own domain, signed by a node key or by an
 * agent key its node certified (agent-cert.ts).
 */
import { CHAIN_LINK_DOMAIN, CHAIN_LINK_TYPE, type ChainCrypto, type LinkSigner } from '../protocol/chain/index.ts'
import { MAX_CHAIN_LINK_BYTES } from '../protocol/task/messages.ts'
import { verifyAgentCert } from './agent-cert.ts'
import { sign, type Ed25519KeyPair } from './keys.ts'
import { peerIdFromPublicKey, publicKeyFromPeerId } from './peer-id.ts'
import { encodeSignedRecord, openSignedRecord, recordSigningBytes } from './signed-record.ts'

export const chainCrypto: ChainCrypto = {
  seal: (signer, payload) => encodeSignedRecord({
    publicKey: signer.publicKey, payloadType: CHAIN_LINK_TYPE, payload, signature: signer.sign(recordSigningBytes(CHAIN_LINK_DOMAIN, CHAIN_LINK_TYPE, payload))
  }),
  open: (record) => openSignedRecord(record, { domain: CHAIN_LINK_DOMAIN, payloadType: CHAIN_LINK_TYPE, maxBytes: MAX_CHAIN_LINK_BYTES }),
  peerIdOf: peerIdFromPublicKey,
  publicKeyOf: publicKeyFromPeerId,
  agentCert: (cert, node, now) => verifyAgentCert(cert, { node, now })
}

/** A node's key pair as a link signer. */
export function nodeLinkSigner (key: Ed25519KeyPair): LinkSigner {
  return { publicKey: key.publicKey, sign: (msg) => sign(key.secretKey, msg) }
}
