// What the views share: the members' verified cards and names, and who this node is.
import { short } from './dom.js'

export const state = { caps: [], names: new Map(), self: null, admin: false, status: null }

export function nameOf (peerId) { return state.names.get(peerId) ?? short(peerId) }
