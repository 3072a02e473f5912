/** Defaults of the policy engine. */
import type { DataClass } from './types.ts'

/** Every data classification, from least to most restricted. */
export const DATA_CLASSES: readonly DataClass[] = ['public', 'internal', 'confidential', 'local-only']
/** Classes that may leave the node, unless the policy file says otherwise. */
export const DEFAULT_LEAVE_NODE_CLASSES: readonly DataClass[] = ['public', 'internal', 'confidential']
/** Classes that may leave the org (cloud fallback), unless the policy file says otherwise. */
export const DEFAULT_LEAVE_ORG_CLASSES: readonly DataClass[] = ['public']
/** Per-peer request rate when the policy names none. */
export const DEFAULT_RATE = '120/min'
/** The group every org member holds in the founder's default policy. */
export const MEMBERS_GROUP = 'members'
/** Largest policy file read. */
export const MAX_POLICY_FILE_BYTES = 1_048_576
/** Deepest JSON nesting accepted in a policy file. */
export const MAX_POLICY_DEPTH = 32
/** Most rules in one policy. */
export const MAX_POLICY_RULES = 1000
/** Peers whose rate buckets are remembered; the oldest is forgotten beyond this. */
export const MAX_TRACKED_PEERS = 10_000
/** Policy file format version this engine reads. */
export const POLICY_VERSION = 1
/** The task kind that calls a tool: its requests must name the tool, and only rules that list it allow it. */
export const TOOL_CALL_KIND = 'tool.call'

/** A policy file must stay unchanged this long before a running node reads it (editors save in several writes). */
export const POLICY_WATCH_SETTLE_MS = 200
