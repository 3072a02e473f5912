/**
 * A result from a provider is outside data too: its shape is checked against
 * MCP's CallToolResult and its size bounded before anyone else reads it. Over
 * the bound the whole result is refused with `ToolOutputTooLargeError`
 * rather than cut: a cut JSON value or base64 blob is worse than none, and a
 * typed error lets the caller say so in one line.
 */
import { InvalidToolOutputError, ToolOutputTooLargeError } from './errors.ts'
import { isObject } from './schema.ts'
import type { ToolContent, ToolResult } from './types.ts'

export interface ResultLimits {
  maxBytes: number
  maxItems: number
}

const CONTENT_STRING_FIELDS: Record<ToolContent['type'], string[]> = {
  text: ['text'],
  image: ['data', 'mimeType'],
  audio: ['data', 'mimeType'],
  resource_link: ['uri', 'name'],
  resource: []
}

export function checkToolResult (tool: string, value: unknown, limits: ResultLimits): ToolResult {
  if (!isObject(value)) throw new InvalidToolOutputError(tool, 'not an object')
  const { content, isError, structuredContent } = value
  if (!Array.isArray(content)) throw new InvalidToolOutputError(tool, '"content" is not an array')
  if (content.length > limits.maxItems) throw new ToolOutputTooLargeError(tool, limits.maxBytes)
  if (isError !== undefined && typeof isError !== 'boolean') throw new InvalidToolOutputError(tool, '"isError" is not a boolean')
  if (structuredContent !== undefined && !isObject(structuredContent)) throw new InvalidToolOutputError(tool, '"structuredContent" is not an object')
  // Sum the big strings first so a 100 MB text is refused before it is serialized again.
  let rough = 0
  for (const [i, item] of content.entries()) {
    if (!isObject(item) || typeof item.type !== 'string' || !(item.type in CONTENT_STRING_FIELDS)) {
      throw new InvalidToolOutputError(tool, `content[${i}] has no known "type"`)
    }
    for (const field of CONTENT_STRING_FIELDS[item.type as ToolContent['type']]) {
      const text = item[field]
      if (typeof text !== 'string') throw new InvalidToolOutputError(tool, `content[${i}].${field} is not a string`)
      rough += text.length
    }
    if (item.type === 'resource' && !isObject(item.resource)) throw new InvalidToolOutputError(tool, `content[${i}].resource is not an object`)
    if (rough > limits.maxBytes) throw new ToolOutputTooLargeError(tool, limits.maxBytes)
  }
  const result: ToolResult = { content: content as ToolContent[], isError: isError ?? false }
  if (structuredContent !== undefined) result.structuredContent = structuredContent
  if (Buffer.byteLength(JSON.stringify(result)) > limits.maxBytes) throw new ToolOutputTooLargeError(tool, limits.maxBytes)
  return result
}
