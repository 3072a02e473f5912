/**
 * The registry of this node's tools. Providers (MCP connectors, built-ins)
 * register under a name; their tools appear as `PROVIDER.TOOL`. Every tool
 * list a provider reports is checked (names, count, schema bounds) and its
 * schemas compiled once; every call is validated against the input schema
 * before the provider sees it, and runs under a timeout, the caller's
 * AbortSignal and an output bound.
 */
import type { ValidateFunction } from 'ajv'
import { createLogger, type Logger } from '../logger.ts'
import * as c from './constants.ts'
import {
  InvalidToolArgumentsError, InvalidToolDefinitionError, InvalidToolOutputError, ToolCanceledError, ToolError,
  ToolProviderError, ToolProviderExistsError, ToolTimeoutError, UnknownToolError
} from './errors.ts'
import { checkToolResult } from './result.ts'
import { checkSchema, compileSchema, describeSchemaError } from './schema.ts'
import type { JsonSchema, ToolDescriptor, ToolProvider, ToolResult, ToolSpec } from './types.ts'

export interface ToolRegistryInit {
  /** Timeout of a call that names none. @default TOOL_CALL_TIMEOUT_MS */
  callTimeoutMs?: number
  /** The longest timeout a call may ask for. @default TOOL_CALL_TIMEOUT_MAX_MS */
  maxCallTimeoutMs?: number
  /** @default TOOL_ARGUMENTS_MAX_BYTES */
  maxArgumentsBytes?: number
  /** @default TOOL_ARGUMENTS_MAX_DEPTH */
  maxArgumentsDepth?: number
  /** Serialized result size; a bigger result is refused with `ToolOutputTooLargeError`. @default TOOL_OUTPUT_MAX_BYTES */
  maxOutputBytes?: number
  /** @default TOOLS_PER_PROVIDER_MAX */
  maxToolsPerProvider?: number
  /** @default TOOL_SCHEMA_MAX_BYTES */
  maxSchemaBytes?: number
  /** @default TOOL_SCHEMA_MAX_DEPTH */
  maxSchemaDepth?: number
}

export interface ToolRegistryComponents {
  logger?: Logger
}

export interface CallToolOptions {
  /** Cancels the call; the provider is told through its own signal. */
  signal?: AbortSignal
  /** @default the registry's `callTimeoutMs` */
  timeoutMs?: number
}

/** What one refresh of a provider's list kept and left out. */
export interface ToolListReport {
  tools: string[]
  refused: Array<{ tool: string, reason: string }>
}

interface RegisteredTool {
  descriptor: ToolDescriptor
  validateInput: () => ValidateFunction
  validateOutput?: () => ValidateFunction
}

/** The schema's validator: compiled now, or on first use for a provider's own schemas. */
function validator (tool: string, schema: JsonSchema, later: boolean): () => ValidateFunction {
  if (!later) {
    const compiled = compileSchema(tool, schema)
    return () => compiled
  }
  let compiled: ValidateFunction | undefined
  return () => (compiled ??= compileSchema(tool, schema))
}

interface ProviderEntry {
  provider: ToolProvider
  tools: Map<string, RegisteredTool>
  refreshing: Promise<unknown>
  unsubscribe?: () => void
}

export function toolRegistry (init: ToolRegistryInit = {}): (components: ToolRegistryComponents) => ToolRegistry {
  return (components) => new ToolRegistry(components, init)
}

export class ToolRegistry {
  private readonly log: Logger
  private readonly init: Required<ToolRegistryInit>
  private readonly providers = new Map<string, ProviderEntry>()
  private started = false
  private readonly listeners = new Set<() => void>()

  constructor (components: ToolRegistryComponents, init: ToolRegistryInit = {}) {
    this.log = components.logger ?? createLogger('mycel:node:tools')
    this.init = {
      callTimeoutMs: init.callTimeoutMs ?? c.TOOL_CALL_TIMEOUT_MS,
      maxCallTimeoutMs: init.maxCallTimeoutMs ?? c.TOOL_CALL_TIMEOUT_MAX_MS,
      maxArgumentsBytes: init.maxArgumentsBytes ?? c.TOOL_ARGUMENTS_MAX_BYTES,
      maxArgumentsDepth: init.maxArgumentsDepth ?? c.TOOL_ARGUMENTS_MAX_DEPTH,
      maxOutputBytes: init.maxOutputBytes ?? c.TOOL_OUTPUT_MAX_BYTES,
      maxToolsPerProvider: init.maxToolsPerProvider ?? c.TOOLS_PER_PROVIDER_MAX,
      maxSchemaBytes: init.maxSchemaBytes ?? c.TOOL_SCHEMA_MAX_BYTES,
      maxSchemaDepth: init.maxSchemaDepth ?? c.TOOL_SCHEMA_MAX_DEPTH
    }
  }

  /** Adds a provider; once the registry runs, it is started and listed at once. */
  async add (provider: ToolProvider): Promise<ToolListReport> {
    if (!c.PROVIDER_NAME_PATTERN.test(provider.name)) {
      throw new InvalidToolDefinitionError(provider.name, `provider name must match ${String(c.PROVIDER_NAME_PATTERN)}`)
    }
    if (this.providers.has(provider.name)) throw new ToolProviderExistsError(provider.name)
    const entry: ProviderEntry = { provider, tools: new Map(), refreshing: Promise.resolve() }
    this.providers.set(provider.name, entry)
    if (!this.started) return { tools: [], refused: [] }
    try {
      return await this.startProvider(entry)
    } catch (err) {
      this.providers.delete(provider.name)
      await this.stopProvider(entry)
      throw err
    }
  }

  /** Stops a provider and drops its tools. */
  async remove (name: string): Promise<boolean> {
    const entry = this.providers.get(name)
    if (entry === undefined) return false
    this.providers.delete(name)
    entry.unsubscribe?.()
    const had = entry.tools.size > 0
    await entry.provider.stop()
    if (had) this.changed()
    return true
  }

  /**
   * Calls `listener` after the tools on offer may have changed: a provider
   * listed anew, went down, or was removed (the card is published again).
   * It may fire when nothing changed. Returns the unsubscribe.
   */
  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const begun: ProviderEntry[] = []
    try {
      for (const entry of this.providers.values()) {
        begun.push(entry)
        await this.startProvider(entry)
      }
    } catch (err) {
      this.started = false
      for (const entry of begun.reverse()) await this.stopProvider(entry)
      throw err
    }
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const entry of [...this.providers.values()].reverse()) await this.stopProvider(entry)
  }

  /** Every tool on offer now, sorted by name. */
  list (): ToolDescriptor[] {
    const out: ToolDescriptor[] = []
    for (const entry of this.providers.values()) for (const tool of entry.tools.values()) out.push(tool.descriptor)
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  get (name: string): ToolDescriptor | undefined {
    return this.lookup(name)?.descriptor
  }

  /**
   * Checks arguments against a tool's input schema without calling it, so a
   * task can be refused before it takes a slot; `call` checks them again,
   * since the tool may have been listed anew in between. Returns the plain
   * JSON copy the provider would get.
   */
  validateArguments (name: string, args: unknown): Record<string, unknown> {
    const tool = this.lookup(name)
    if (tool === undefined) throw new UnknownToolError(name)
    return this.checkArguments(name, tool, args)
  }

  /** Lists a provider's tools again, checking and compiling each; a tool out of bounds is left out and reported. */
  async refresh (name: string): Promise<ToolListReport> {
    const entry = this.providers.get(name)
    if (entry === undefined) return { tools: [], refused: [] }
    // One listing at a time per provider, so a late answer never overwrites a newer one.
    const next = entry.refreshing.then(async () => await this.relist(entry))
    entry.refreshing = next.catch(() => {})
    return await next
  }

  /**
   * Calls `PROVIDER.TOOL`. Arguments are checked against the input schema
   * first (nothing runs when they fail); the call is abandoned on timeout or
   * cancel with a typed error; the result is shape-checked and bounded.
   */
  async call (name: string, args: unknown, options: CallToolOptions = {}): Promise<ToolResult> {
    const tool = this.lookup(name)
    if (tool === undefined) throw new UnknownToolError(name)
    const input = this.checkArguments(name, tool, args)
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.init.callTimeoutMs, this.init.maxCallTimeoutMs))
    if (options.signal?.aborted === true) throw new ToolCanceledError(name)
    const controller = new AbortController()
    const timer = setTimeout(() => { controller.abort(new ToolTimeoutError(name, timeoutMs)) }, timeoutMs)
    const onCancel = (): void => { controller.abort(new ToolCanceledError(name)) }
    options.signal?.addEventListener('abort', onCancel, { once: true })
    const { provider } = this.providers.get(tool.descriptor.provider) as ProviderEntry
    try {
      const raw = await raceAbort(provider.callTool(tool.descriptor.tool, input, { signal: controller.signal, timeoutMs }), controller.signal)
      const result = checkToolResult(name, raw, { maxBytes: this.init.maxOutputBytes, maxItems: c.TOOL_OUTPUT_MAX_ITEMS })
      const validateOutput = tool.validateOutput?.()
      if (validateOutput !== undefined && !result.isError) {
        if (result.structuredContent === undefined) throw new InvalidToolOutputError(name, 'no structuredContent although the tool declares an output schema')
        if (!validateOutput(result.structuredContent)) {
          const { field, reason } = describeSchemaError(validateOutput.errors)
          throw new InvalidToolOutputError(name, `structuredContent ${field === '' ? '' : `"${field}" `}${reason}`)
        }
      }
      return result
    } catch (err) {
      if (controller.signal.aborted) throw controller.signal.reason as Error
      if (err instanceof ToolError) throw err
      throw new ToolProviderError(provider.name, (err as Error).message ?? String(err))
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onCancel)
    }
  }

  private lookup (name: string): RegisteredTool | undefined {
    const dot = name.indexOf('.')
    if (dot <= 0) return undefined
    return this.providers.get(name.slice(0, dot))?.tools.get(name.slice(dot + 1))
  }

  private checkArguments (name: string, tool: RegisteredTool, args: unknown): Record<string, unknown> {
    const value = args ?? {}
    if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidToolArgumentsError(name, '', 'must be a JSON object')
    let text: string
    try {
      text = JSON.stringify(value)
    } catch {
      throw new InvalidToolArgumentsError(name, '', 'are not serializable JSON')
    }
    const bytes = Buffer.byteLength(text)
    if (bytes > this.init.maxArgumentsBytes) throw new InvalidToolArgumentsError(name, '', `are ${bytes} bytes, more than ${this.init.maxArgumentsBytes}`)
    if (jsonDepth(value) > this.init.maxArgumentsDepth) throw new InvalidToolArgumentsError(name, '', `nest deeper than ${this.init.maxArgumentsDepth}`)
    // A plain JSON copy: no getters, prototypes or shared references reach the provider.
    const input = JSON.parse(text) as Record<string, unknown>
    const validateInput = tool.validateInput()
    if (!validateInput(input)) {
      const { field, reason } = describeSchemaError(validateInput.errors)
      throw new InvalidToolArgumentsError(name, field, reason)
    }
    return input
  }

  /**
   * Starts a provider and lists its tools. A provider that fails to start
   * fails the start; one whose list is refused (too many tools) stays
   * registered with no tools, so one bad MCP server never keeps the node down.
   */
  private async startProvider (entry: ProviderEntry): Promise<ToolListReport> {
    await entry.provider.start()
    const relist = async (): Promise<ToolListReport> => {
      try {
        return await this.refresh(entry.provider.name)
      } catch (err) {
        this.log.error('tool list of %s refused: %s', entry.provider.name, (err as Error).message)
        return { tools: [], refused: [{ tool: `${entry.provider.name}.*`, reason: (err as Error).message }] }
      }
    }
    entry.unsubscribe = entry.provider.onToolsChanged?.(() => { void relist() })
    return await relist()
  }

  private async stopProvider (entry: ProviderEntry): Promise<void> {
    entry.unsubscribe?.()
    entry.unsubscribe = undefined
    const had = entry.tools.size > 0
    entry.tools.clear()
    if (had) this.changed()
    try {
      await entry.provider.stop()
    } catch (err) {
      this.log.error('stopping tool provider %s failed: %s', entry.provider.name, (err as Error).message)
    }
  }

  private async relist (entry: ProviderEntry): Promise<ToolListReport> {
    const { provider } = entry
    const specs = await provider.listTools()
    if (specs.length > this.init.maxToolsPerProvider) {
      entry.tools.clear()
      this.changed()
      throw new InvalidToolDefinitionError(provider.name, `offers ${specs.length} tools, more than ${this.init.maxToolsPerProvider}`)
    }
    const tools = new Map<string, RegisteredTool>()
    const refused: ToolListReport['refused'] = []
    for (const spec of specs) {
      try {
        const tool = this.compile(provider, spec)
        if (tools.has(tool.descriptor.tool)) throw new InvalidToolDefinitionError(tool.descriptor.name, 'listed twice')
        tools.set(tool.descriptor.tool, tool)
      } catch (err) {
        const reason = err instanceof InvalidToolDefinitionError ? err.reason : (err as Error).message
        refused.push({ tool: `${provider.name}.${String(spec?.name)}`, reason })
        this.log.error('tool %s.%s refused: %s', provider.name, String(spec?.name).slice(0, 128), reason)
      }
    }
    // The provider may have been removed or stopped while it listed.
    if (this.providers.get(provider.name) === entry) {
      entry.tools = tools
      this.changed()
    }
    return { tools: [...tools.values()].map(t => t.descriptor.name), refused }
  }

  private changed (): void {
    for (const listener of this.listeners) {
      try {
        listener()
      } catch (err) {
        this.log.error('tool list listener failed: %s', (err as Error).message)
      }
    }
  }

  private compile (provider: ToolProvider, spec: ToolSpec): RegisteredTool {
    const name = typeof spec?.name === 'string' ? spec.name : ''
    const full = `${provider.name}.${name}`
    if (!c.TOOL_NAME_PATTERN.test(name)) throw new InvalidToolDefinitionError(full.slice(0, 160), `tool name must match ${String(c.TOOL_NAME_PATTERN)}`)
    const description = spec.description ?? ''
    if (typeof description !== 'string' || description.length > c.TOOL_DESCRIPTION_MAX_CHARS) {
      throw new InvalidToolDefinitionError(full, `description is not a string of at most ${c.TOOL_DESCRIPTION_MAX_CHARS} characters`)
    }
    const limits = { maxBytes: this.init.maxSchemaBytes, maxDepth: this.init.maxSchemaDepth }
    const inputSchema = checkSchema(full, spec.inputSchema, limits)
    const outputSchema = spec.outputSchema === undefined ? undefined : checkSchema(full, spec.outputSchema, limits)
    const descriptor: ToolDescriptor = { name: full, provider: provider.name, tool: name, description, inputSchema, dataClass: provider.dataClass }
    if (outputSchema !== undefined) descriptor.outputSchema = outputSchema
    const later = provider.ownSchemas === true
    const tool: RegisteredTool = { descriptor, validateInput: validator(full, inputSchema, later) }
    if (outputSchema !== undefined) tool.validateOutput = validator(full, outputSchema, later)
    return tool
  }
}

/** Settles with the promise, or rejects with the signal's reason as soon as it aborts. */
async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  promise.catch(() => {}) // a late rejection after abort is not unhandled
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort as () => void)
  }
}

function jsonDepth (root: unknown): number {
  let max = 0
  const stack: Array<[unknown, number]> = [[root, 1]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number]
    if (typeof value !== 'object' || value === null) continue
    if (depth > max) max = depth
    for (const item of Object.values(value)) stack.push([item, depth + 1])
  }
  return max
}
