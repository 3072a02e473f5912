/** Reading the policy file from the node's home. */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { MAX_POLICY_FILE_BYTES } from './constants.ts'
import { InvalidPolicyError, PolicyFileNotFoundError } from './errors.ts'
import { parsePolicy } from './parse.ts'
import type { Policy } from './types.ts'

/**
 * Loads and checks a policy file. Throws `PolicyFileNotFoundError` when it is
 * absent and `InvalidPolicyError` (message `policy.json line N: …`) when any
 * part is wrong; the node refuses to start on either rather than guess.
 */
export async function loadPolicyFile (path: string): Promise<Policy> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PolicyFileNotFoundError(`Policy file ${path} not found`)
    throw err
  }
  return policyFromBytes(bytes, path)
}

/** Checks a policy file's bytes, read by the caller (who may also want their digest). */
export function policyFromBytes (bytes: Uint8Array, path: string): Policy {
  if (bytes.byteLength > MAX_POLICY_FILE_BYTES) throw new InvalidPolicyError(`larger than ${MAX_POLICY_FILE_BYTES} bytes`, basename(path))
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new InvalidPolicyError('not UTF-8 text', basename(path))
  }
  return parsePolicy(text, path)
}
