/**
 * The tools a capability card lists: this node's tools minus `local-only`
 * ones (their output never leaves the node, so no one else may call them),
 * each with the start of its description and its input schema, within the
 * card's bounds. A tool whose schema is too big or too deep for a card, or
 * that comes past the byte budget, is left out and named in `left`; members
 * can still call it with `--peer`.
 *
 * @example
 * const { tools, left } = cardTools(registry.list())
 */
import { encodeCbor } from '../../protocol/cbor.ts'
import {
  CARD_TOOL_DESCRIPTION_MAX_CHARS, CARD_TOOL_SCHEMA_MAX_DEPTH, CARD_TOOL_SCHEMA_MAX_ITEMS, CARD_TOOLS_MAX, type CardTool
} from '../../protocol/cards/card.ts'
import { json } from '../../protocol/shape.ts'
import { CARD_TOOL_SCHEMA_MAX_BYTES, CARD_TOOLS_MAX_BYTES } from './constants.ts'
import type { ToolDescriptor } from './types.ts'

export interface CardToolsInit {
  /** @default CARD_TOOLS_MAX_BYTES */
  maxBytes?: number
  /** @default CARD_TOOL_SCHEMA_MAX_BYTES */
  maxSchemaBytes?: number
}

const fitsCard = json({ maxDepth: CARD_TOOL_SCHEMA_MAX_DEPTH, maxItems: CARD_TOOL_SCHEMA_MAX_ITEMS })

export function cardTools (list: ToolDescriptor[], init: CardToolsInit = {}): { tools: CardTool[], left: Array<{ tool: string, reason: string }> } {
  const maxBytes = init.maxBytes ?? CARD_TOOLS_MAX_BYTES
  const maxSchemaBytes = init.maxSchemaBytes ?? CARD_TOOL_SCHEMA_MAX_BYTES
  const tools: CardTool[] = []
  const left: Array<{ tool: string, reason: string }> = []
  let used = 0
  for (const t of list) {
    if (t.dataClass === 'local-only') continue
    const entry: CardTool = { name: t.name, description: t.description.slice(0, CARD_TOOL_DESCRIPTION_MAX_CHARS), schema: t.inputSchema, class: t.dataClass }
    let schemaBytes: number
    try {
      fitsCard(t.inputSchema, 'schema')
      schemaBytes = encodeCbor(t.inputSchema).byteLength
    } catch (err) {
      left.push({ tool: t.name, reason: `its schema does not fit a card (${(err as Error).message})` })
      continue
    }
    if (schemaBytes > maxSchemaBytes) { left.push({ tool: t.name, reason: `its schema is ${schemaBytes} bytes, more than ${maxSchemaBytes}` }); continue }
    const bytes = encodeCbor(entry).byteLength
    if (tools.length >= CARD_TOOLS_MAX || used + bytes > maxBytes) { left.push({ tool: t.name, reason: 'the card has no room left' }); continue }
    used += bytes
    tools.push(entry)
  }
  return { tools, left }
}
