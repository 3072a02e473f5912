/**
 * Schemas arrive from MCP servers and API clients we do not control, so before Ajv sees
 * one it is checked: a JSON object of bounded size and depth whose `$ref`s
 * are all local (Ajv is never given a way to fetch, so a remote ref could only
 * fail) and never loop back to the same instance without first descending
 * into a property or item — `{ "$ref": "#" }` would otherwise recurse until
 * the stack gives out on the first call. Recursion that descends (a tree of
 * nodes with `children`) is fine: the data is finite, so validation ends.
 */
import { createRequire } from 'node:module'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { InvalidSchemaError } from './errors.ts'

// Ajv (about 95 modules) loads on the first compile, not at start. It is CommonJS, so `require`
// loads it synchronously and compiling stays a plain call; Node's module cache memoises it.
const require = createRequire(import.meta.url)
type AjvClass = typeof import('ajv').Ajv

function ajvClass (draft: string): AjvClass {
  if (draft.includes('2020-12')) return (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020
  if (draft.includes('2019-09')) return (require('ajv/dist/2019.js') as typeof import('ajv/dist/2019.js')).Ajv2019
  return (require('ajv') as typeof import('ajv')).Ajv
}

/** A JSON Schema object as it arrives: checked for bounds before Ajv compiles it. */
export type JsonSchema = Record<string, unknown>

export interface SchemaLimits {
  maxBytes: number
  maxDepth: number
  /** Demand `"type": "object"` at the root (MCP and OpenAI function parameters do). @default true */
  requireObject?: boolean
}

/** Keywords whose subschemas apply to the same instance: a loop through only these never ends. */
const SAME_INSTANCE_ARRAYS = ['allOf', 'anyOf', 'oneOf']
const SAME_INSTANCE_SINGLE = ['not', 'if', 'then', 'else']
const SAME_INSTANCE_MAPS = ['dependentSchemas', 'dependencies']

const SILENT = { log () {}, warn () {}, error () {} }

/** Throws `InvalidSchemaError` unless `schema` is a bounded, local, loop-free (object) schema. */
export function checkSchema (schema: unknown, limits: SchemaLimits): JsonSchema {
  if (!isObject(schema)) throw new InvalidSchemaError('schema is not a JSON object')
  if ((limits.requireObject ?? true) && schema.type !== 'object') throw new InvalidSchemaError('schema must have "type": "object"')
  let text: string
  try {
    text = JSON.stringify(schema)
  } catch {
    throw new InvalidSchemaError('schema is not serializable JSON')
  }
  const bytes = Buffer.byteLength(text)
  if (bytes > limits.maxBytes) throw new InvalidSchemaError(`schema is ${bytes} bytes, more than ${limits.maxBytes}`)
  const anchors = new Map<string, unknown>()
  walk(schema, (node, depth) => {
    if (depth > limits.maxDepth) throw new InvalidSchemaError(`schema nests deeper than ${limits.maxDepth}`)
    if (!isObject(node)) return
    for (const key of ['$ref', '$dynamicRef', '$recursiveRef']) {
      const ref = node[key]
      if (ref === undefined) continue
      if (typeof ref !== 'string' || !ref.startsWith('#')) throw new InvalidSchemaError(`only local $refs are allowed, got ${JSON.stringify(ref).slice(0, 80)}`)
    }
    if (typeof node.$anchor === 'string') anchors.set(`#${node.$anchor}`, node)
    if (typeof node.$id === 'string' && node.$id.startsWith('#')) anchors.set(node.$id, node)
  })
  checkNoSameInstanceLoop(schema, anchors)
  return schema
}

/**
 * Compiles a checked schema. Draft 2020-12 and 2019-09 schemas get their own
 * Ajv; everything else is read as draft-07, what most MCP servers emit.
 * Strict mode is off because MCP schemas carry keywords Ajv does not know;
 * formats are not validated (no format plugin is a dependency).
 */
export function compileSchema (schema: JsonSchema): ValidateFunction {
  const draft = typeof schema.$schema === 'string' ? schema.$schema : ''
  const options = { strict: false, allErrors: false, validateFormats: false, addUsedSchema: false, logger: SILENT }
  const Ajv = ajvClass(draft)
  const ajv = new Ajv(options)
  const { $schema: _ignored, ...body } = schema
  try {
    return ajv.compile(draft.includes('2020-12') || draft.includes('2019-09') ? schema : body)
  } catch (err) {
    throw new InvalidSchemaError(`schema does not compile: ${(err as Error).message.slice(0, 200)}`)
  }
}

/** The first Ajv error as a field path and a reason, e.g. `["path", "is required"]`. */
export function describeSchemaError (errors: ErrorObject[] | null | undefined): { field: string, reason: string } {
  const error = errors?.[0]
  if (error === undefined) return { field: '', reason: 'do not match the schema' }
  const path = error.instancePath.split('/').slice(1).map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: string }).missingProperty ?? '')
    return { field: [...path, missing].join('/'), reason: 'is required' }
  }
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: string }).additionalProperty ?? '')
    return { field: [...path, extra].join('/'), reason: 'is not allowed' }
  }
  return { field: path.join('/'), reason: error.message ?? 'does not match the schema' }
}

function checkNoSameInstanceLoop (root: JsonSchema, anchors: Map<string, unknown>): void {
  const state = new Map<unknown, 'open' | 'done'>()
  const visit = (node: unknown): void => {
    if (!isObject(node)) return
    const seen = state.get(node)
    if (seen === 'done') return
    if (seen === 'open') throw new InvalidSchemaError('schema refers back to itself without descending into a property or item')
    state.set(node, 'open')
    for (const next of sameInstanceChildren(node, root, anchors)) visit(next)
    state.set(node, 'done')
  }
  // Every subschema can be the start of a loop, not only the root.
  walk(root, node => { visit(node) })
}

function sameInstanceChildren (node: Record<string, unknown>, root: JsonSchema, anchors: Map<string, unknown>): unknown[] {
  const out: unknown[] = []
  for (const key of SAME_INSTANCE_ARRAYS) if (Array.isArray(node[key])) out.push(...(node[key] as unknown[]))
  for (const key of SAME_INSTANCE_SINGLE) if (node[key] !== undefined) out.push(node[key])
  for (const key of SAME_INSTANCE_MAPS) if (isObject(node[key])) out.push(...Object.values(node[key] as object))
  for (const key of ['$ref', '$dynamicRef', '$recursiveRef']) {
    const ref = node[key]
    if (typeof ref === 'string') out.push(resolveLocalRef(ref, root, anchors))
  }
  return out
}

function resolveLocalRef (ref: string, root: JsonSchema, anchors: Map<string, unknown>): unknown {
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return anchors.get(ref)
  let node: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (!isObject(node) && !Array.isArray(node)) return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

/** Visits every object and array in the schema, iteratively, so a deep one cannot overflow the stack here. */
function walk (root: unknown, fn: (node: unknown, depth: number) => void): void {
  const stack: Array<[unknown, number]> = [[root, 0]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number]
    if (typeof value !== 'object' || value === null) continue
    fn(value, depth)
    for (const item of Object.values(value)) stack.push([item, depth + 1])
  }
}

/** A JSON object (not an array, not null). */
export function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
