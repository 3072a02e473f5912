/**
 * A peer as the user names it: a peer id, or the name on a member's
 * verified capability card (`--peer beta`). Names are chosen by members and
 * need not be unique, so a name that several cards carry is an error that
 * lists their ids, never a guess.
 *
 * @example
 * const peerId = await resolvePeer(api, 'beta', signal)
 */
import { isPeerId } from '../../identity/peer-id.ts'
import type { ApiClient } from '../api/client.ts'
import { UsageError } from './errors.ts'

interface CardName { peerId: string, name: string }

const MAX_LISTED = 8

/** Picks the card(s) a name means: exact matches first, else a case-insensitive one. */
export function matchPeerName (cards: CardName[], ref: string): CardName[] {
  const exact = cards.filter(c => c.name === ref)
  if (exact.length > 0) return exact
  const lower = ref.toLowerCase()
  return cards.filter(c => c.name.toLowerCase() === lower)
}

export function pickPeer (cards: CardName[], ref: string, what = 'member'): string {
  const shown = ref.slice(0, 64)
  if (isPeerId(ref)) return ref
  const found = matchPeerName(cards, ref)
  if (found.length === 1) return (found[0] as CardName).peerId
  if (found.length > 1) throw new UsageError(`"${shown}" names ${found.length} ${what}s: ${found.slice(0, MAX_LISTED).map(c => c.peerId).join(', ')}; pass the peer id instead`)
  const known = [...new Set(cards.map(c => c.name))].slice(0, MAX_LISTED)
  throw new UsageError(`"${shown}" is neither a peer id nor the name of a ${what} this node knows${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`)
}

/** The peer id `ref` stands for, from the running node's verified cards. */
export async function resolvePeer (api: ApiClient, ref: string, signal?: AbortSignal): Promise<string> {
  if (isPeerId(ref)) return ref
  const cards = await api.get<CardName[]>('/api/caps', signal)
  return pickPeer(cards.filter(c => typeof c.name === 'string' && typeof c.peerId === 'string'), ref)
}
