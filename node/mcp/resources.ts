/**
 * The mesh as MCP resources (https://modelcontextprotocol.io/specification/2025-06-18/server/resources):
 * `mycel://mesh/members` (the verified members, without their ever-changing
 * load) and one `mycel://memory/{collection}` per memory collection, this
 * node's own and those other members advertise. Reading a collection shows
 * its counts and documents here and which members hold it; text of the
 * documents stays behind the memory tools, under policy and audit.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js'
import type { MeshAccess } from './access.ts'
import type { MemoryAccess } from './memory-access.ts'
import type { MeshNames } from './completions.ts'
import { MEMBERS_URI, MEMORY_URI_PREFIX } from './constants.ts'
import { memberView } from './members.ts'

/** JSON-RPC error code for an unknown resource (MCP resources, "Error Handling"). */
export const RESOURCE_NOT_FOUND = -32002
const JSON_MIME = 'application/json'
const COLLECTION_NAME = /^[A-Za-z0-9._-]{1,64}$/

interface CardLike { peerId?: unknown, name?: unknown, self?: unknown, collections?: unknown }

export function collectionUri (name: string): string {
  return MEMORY_URI_PREFIX + encodeURIComponent(name)
}

/** The collection a `mycel://memory/NAME` URI names, or undefined for any other URI. */
export function collectionOf (uri: string): string | undefined {
  if (!uri.startsWith(MEMORY_URI_PREFIX)) return undefined
  let name: string
  try { name = decodeURIComponent(uri.slice(MEMORY_URI_PREFIX.length)) } catch { return undefined }
  return COLLECTION_NAME.test(name) ? name : undefined
}

/** Reads Mycel's resources as text; the subscriptions compare these texts to see a change. */
export interface MeshResources {
  /** The JSON text of a resource, or undefined when it names nothing (now). */
  read: (uri: string, signal?: AbortSignal) => Promise<string | undefined>
  /** URIs of every resource there is now, sorted. */
  uris: (signal?: AbortSignal) => Promise<string[]>
}

export function meshResources (mesh: Pick<MeshAccess, 'capabilities'>, memory: MemoryAccess): MeshResources {
  async function members (signal?: AbortSignal): Promise<unknown[]> {
    // without the load, which changes with every card and would wake every subscriber
    return (await mesh.capabilities(signal)).map(c => { const { load: _load, ...member } = memberView(c); return member })
  }

  async function collection (name: string, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
    const local = (await memory.collections(signal).catch(() => [])).find(c => c.name === name)
    const holders = (await mesh.capabilities(signal) as CardLike[]).flatMap(c => {
      const advertised = Array.isArray(c.collections) ? (c.collections as Array<{ name?: unknown, classification?: unknown }>).find(x => x.name === name) : undefined
      return advertised != null ? [{ peerId: c.peerId, name: c.name, self: c.self === true, classification: advertised.classification }] : []
    })
    if (local == null && holders.length === 0) return undefined
    const here = local == null
      ? null
      : {
          classification: local.classification,
          documents: local.documents,
          chunks: local.chunks,
          vectors: local.vectors,
          createdAt: local.createdAt,
          files: (await memory.documents(name, signal)).map(d => ({ source: d.source, size: d.size, chunks: d.chunks, hash: d.hash, ingestedAt: d.ingestedAt }))
        }
    return { collection: name, here, members: holders }
  }

  async function collectionNames (signal?: AbortSignal): Promise<string[]> {
    const names = new Set((await memory.collections(signal).catch(() => [])).map(c => c.name))
    for (const c of await mesh.capabilities(signal) as CardLike[]) {
      for (const x of Array.isArray(c.collections) ? c.collections as Array<{ name?: unknown }> : []) if (typeof x.name === 'string') names.add(x.name)
    }
    return [...names].filter(n => COLLECTION_NAME.test(n)).sort()
  }

  return {
    async read (uri, signal) {
      if (uri === MEMBERS_URI) return JSON.stringify(await members(signal), null, 2)
      const name = collectionOf(uri)
      if (name == null) return undefined
      const view = await collection(name, signal)
      return view == null ? undefined : JSON.stringify(view, null, 2)
    },
    async uris (signal) {
      return [MEMBERS_URI, ...(await collectionNames(signal)).map(collectionUri)]
    }
  }
}

function contents (uri: string, text: string | undefined): ReadResourceResult {
  if (text == null) throw new McpError(RESOURCE_NOT_FOUND, `No resource ${uri}`)
  return { contents: [{ uri, mimeType: JSON_MIME, text }] }
}

export function registerResources (server: McpServer, resources: MeshResources, names: MeshNames): void {
  server.registerResource('mesh-members', MEMBERS_URI, {
    title: 'Mesh members',
    description: 'The members of the Mycel mesh this node trusts (verified capability cards): task kinds, models, memory collections, hardware and roles.',
    mimeType: JSON_MIME
  }, async (uri, extra) => contents(uri.href, await resources.read(MEMBERS_URI, extra.signal)))

  const template = new ResourceTemplate(`${MEMORY_URI_PREFIX}{collection}`, {
    list: async (extra) => ({
      resources: (await resources.uris(extra.signal)).filter(u => u !== MEMBERS_URI).map(uri => ({
        uri,
        name: collectionOf(uri) ?? uri,
        title: `Memory collection ${collectionOf(uri) ?? ''}`,
        mimeType: JSON_MIME
      }))
    }),
    complete: { collection: async (value) => await names.complete('collection', value) }
  })
  server.registerResource('memory-collection', template, {
    title: 'Memory collection',
    description: 'A memory collection: its documents and counts on this node, and which members hold it. Search or ask it with memory_search and memory_ask.',
    mimeType: JSON_MIME
  }, async (uri, _vars, extra) => contents(uri.href, await resources.read(uri.href, extra.signal)))
}
