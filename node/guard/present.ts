/**
 * The agent loop's door for outside text, as the guard fills it: the same
 * shape as `node/agents/present.ts` (text and init in, `{ content, size }`
 * out), so the loop swaps one function. Without quarantine the text is
 * wrapped as untrusted data; with it (and a vault), a tool-less reader reads
 * the text and the planner gets only the handle and the bounded value; the
 * loop then passes tool arguments through `vault.resolve` after its scope
 * checks, so a handle the planner names reaches the tool as the raw text.
 *
 * @example
 * const present = presenter({ vault: new QuarantineVault(runtimeReader(runtime, model)) })
 * const shown = await present(toolOutput, { source: 'tool fs.read on 12D3…', quarantine: profile.quarantine })
 */
import { wrapUntrusted } from './delimit.ts'
import type { QuarantineVault } from './vault.ts'

export interface Presented {
  /** What goes into the tool message the planner reads. */
  content: string
  /** Characters of the raw text. */
  size: number
  /** The vault handle when the text was quarantined (`$q1`). */
  handle?: string
}

export interface PresentInit {
  /** What produced the text, e.g. `tool fs.read_text_file on 12D3…`. */
  source: string
  /** Whether the planner may not read the raw text. */
  quarantine: boolean
  isError?: boolean
  /** Characters of the wrapped text. @default UNTRUSTED_MAX_CHARS */
  maxChars?: number
  signal?: AbortSignal
}

export type Present = (text: string, init: PresentInit) => Promise<Presented>

export interface PresenterInit {
  /** Where quarantined texts go; without one, `quarantine` cannot be honoured and the text is withheld. */
  vault?: QuarantineVault
}

export function presenter (init: PresenterInit = {}): Present {
  return async (text, o) => {
    const source = o.isError === true ? `${o.source} (error)` : o.source
    if (!o.quarantine) return { content: wrapUntrusted(text, { source, ...(o.maxChars != null ? { maxChars: o.maxChars } : {}) }), size: text.length }
    // quarantine asked for and no reader: the planner gets nothing of the text rather than all of it
    if (init.vault == null) return { content: wrapUntrusted(`[${text.length} characters withheld: no quarantine reader on this node]`, { source }), size: text.length }
    const q = await init.vault.read(text, { source, ...(o.signal != null ? { signal: o.signal } : {}) })
    return { content: q.view, size: text.length, handle: q.handle }
  }
}
