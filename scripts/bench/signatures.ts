/**
 * Signatures: Mycel's sign and verify (identity/keys.ts) against Node's
 * native Ed25519 called directly and against noble's pure JS, on the same
 * messages and keys, in one run. The hot path target: at least 5,000
 * verifications per second on one core (issue 2).
 */
import { createPrivateKey, createPublicKey, sign as nativeSign, verify as nativeVerify } from 'node:crypto'
import { encodeCbor } from '../../protocol/cbor.ts'
import {
  createOrg, encodeMembershipChain, encodeSignedRecord, generateKeyPair, issueMembershipCert, openSignedRecord, peerIdFromPublicKey, sign,
  signNoble, signRecord, verify, verifyMembershipChain, verifyNoble
} from '../../identity/index.ts'
import { opsPerSecond, type BenchRow, type BenchSuite } from './table.ts'

const MESSAGES = 256
const PEERS = 16
const MSG_BYTES = 512
const TARGET_VERIFY_PER_S = 5_000

export const signatures: BenchSuite = {
  name: 'signatures',
  async run (): Promise<BenchRow[]> {
    const peers = Array.from({ length: PEERS }, () => generateKeyPair())
    const messages = Array.from({ length: MESSAGES }, (_, i) => new Uint8Array(MSG_BYTES).fill(i))
    const signer = peers[0] as (typeof peers)[number]
    const nativePriv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), signer.secretKey]), format: 'der', type: 'pkcs8' })
    const signed = messages.map((msg, i) => {
      const kp = peers[i % PEERS] as typeof signer
      const nativePub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), kp.publicKey]), format: 'der', type: 'spki' })
      return { msg, publicKey: kp.publicKey, nativePub, sig: sign(kp.secretKey, msg) }
    })
    const cycle = <T>(items: T[]): () => T => { let i = 0; return () => items[i++ % items.length] as T }

    const nextMsg = cycle(messages)
    const nativeSignRate = await opsPerSecond(() => nativeSign(null, nextMsg(), nativePriv))
    const mycelSignRate = await opsPerSecond(() => sign(signer.secretKey, nextMsg()))
    const nobleSignRate = await opsPerSecond(() => signNoble(signer.secretKey, nextMsg()), 500)

    const next = cycle(signed)
    const nativeVerifyRate = await opsPerSecond(() => { const s = next(); return nativeVerify(null, s.msg, s.nativePub, s.sig) })
    const mycelVerifyRate = await opsPerSecond(() => { const s = next(); return verify(s.publicKey, s.msg, s.sig) })
    const nobleVerifyRate = await opsPerSecond(() => { const s = next(); return verifyNoble(s.publicKey, s.msg, s.sig) }, 500)

    // a task-message-sized signed record, opened (decode + verify) the way the task protocol will
    const record = encodeSignedRecord(signRecord(signer, 'mycel-bench', 'mycel/bench/1', encodeCbor({ kind: 'llm.chat', body: new Uint8Array(MSG_BYTES) })))
    const openRate = await opsPerSecond(() => openSignedRecord(record, { domain: 'mycel-bench', maxBytes: 4096 }))

    // what every new connection pays: a membership chain (two signatures) checked to the root
    const org = createOrg('bench')
    const chain = encodeMembershipChain(issueMembershipCert({ admin: org.admin, adminCert: org.adminCert, peerId: peerIdFromPublicKey(signer.publicKey), groups: ['eng'] }))
    const chainRate = await opsPerSecond(() => verifyMembershipChain(chain, { orgRoot: org.root.publicKey }))

    const row = (name: string, value: number, baseline?: { name: string, value: number }, target?: { text: string, met: boolean }): BenchRow => ({
      suite: 'signatures',
      name,
      value,
      unit: 'ops/s',
      ...(baseline != null ? { baseline } : {}),
      ...(target != null ? { target: target.text, met: target.met } : {})
    })
    return [
      row('sign/s (mycel: native, cached key)', mycelSignRate, { name: 'node native', value: nativeSignRate }, { text: '>= 0.8x native', met: mycelSignRate >= 0.8 * nativeSignRate }),
      row('sign/s (noble pure JS)', nobleSignRate, { name: 'node native', value: nativeSignRate }),
      row('verify/s (mycel: native, cached key)', mycelVerifyRate, { name: 'node native', value: nativeVerifyRate }, { text: '>= 0.8x native', met: mycelVerifyRate >= 0.8 * nativeVerifyRate }),
      row('verify/s (noble pure JS)', nobleVerifyRate, { name: 'node native', value: nativeVerifyRate }),
      row('mycel verify, one core', mycelVerifyRate, { name: 'noble', value: nobleVerifyRate }, { text: `>= ${TARGET_VERIFY_PER_S.toLocaleString('en-US')}/s`, met: mycelVerifyRate >= TARGET_VERIFY_PER_S }),
      row(`open signed record/s (${MSG_BYTES} B payload)`, openRate, { name: 'mycel verify', value: mycelVerifyRate }),
      row('membership chain verify/s', chainRate, { name: 'mycel verify', value: mycelVerifyRate })
    ]
  }
}
