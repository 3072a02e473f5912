/** Defaults and bounds of agent profiles and the agent loop. */

/** The task kind that runs an agent's loop. */
export const AGENT_RUN_KIND = 'agent.run'
/** Audit entry types the loop writes (never the goal's or a result's text: digests and sizes). */
export const AGENT_RUN_AUDIT_TYPE = 'agent.run'
export const AGENT_STEP_AUDIT_TYPE = 'agent.step'
export const AGENT_REFUSED_AUDIT_TYPE = 'agent.refused'
export const AGENT_PROFILE_AUDIT_TYPE = 'agent.profile'

/** Profiles one node keeps. */
export const MAX_AGENTS = 64
/** Model steps a run takes unless the profile says otherwise. */
export const DEFAULT_MAX_STEPS = 8
/** Upper bound of `--max-steps`. */
export const MAX_STEPS_LIMIT = 256
/** Model tokens (prompt and completion, all steps) a run may use unless the profile says otherwise. */
export const DEFAULT_MAX_TOKENS = 16_384
export const MAX_TOKENS_LIMIT = 10_000_000
/** Wall time of a run unless the profile says otherwise. */
export const DEFAULT_TIMEOUT_MS = 120_000
export const TIMEOUT_LIMIT_MS = 3_600_000
/** Completion tokens of one step, at most (the run's remaining tokens may cap it lower). */
export const STEP_MAX_COMPLETION_TOKENS = 256

export const SYSTEM_MAX_CHARS = 8_192
export const DESCRIPTION_MAX_CHARS = 512
export const GOAL_MAX_CHARS = 16_384
export const MODEL_NAME_MAX_CHARS = 128
/** Tool patterns and collections one profile names. */
export const PROFILE_LIST_MAX = 32
export const PATTERN_MAX_CHARS = 128

/** The same call (name and arguments) this many times in one run is an endless loop: the run stops. */
export const REPEATED_CALL_LIMIT = 3
/** Characters of one tool result fed back to the model (the rest is cut, and the cut said). */
export const RESULT_MAX_CHARS = 8_192
/** Tools a run offers the model, at most. */
export const OFFERED_TOOLS_MAX = 64

/** Synthetic tools: delegations offered to the model beside the mesh's tools. */
export const DELEGATE_AGENT_TOOL = 'mycel.delegate_agent'
export const ASK_MODEL_TOOL = 'mycel.ask_model'
/** Prompt characters a delegated `llm.chat` carries. */
export const ASK_PROMPT_MAX_CHARS = 16_384
