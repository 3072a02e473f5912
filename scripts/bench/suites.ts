/** The benchmark suites `npm run bench` runs, in order. Add a suite by adding one line. */
import type { BenchSuite } from './table.ts'
import { signatures } from './signatures.ts'
import { audit } from './audit.ts'
import { runtime } from './runtime.ts'
import { batching } from './batching.ts'
import { grammar } from './grammar.ts'
import { mesh } from './mesh.ts'
import { tasks } from './tasks.ts'
import { memory } from './memory.ts'
import { retention } from './retention.ts'
import { tools } from './tools.ts'
import { witness } from './witness.ts'
import { scale } from './scale.ts'
import { context } from './context.ts'
import { federatedMemory } from './federated-memory.ts'
import { sources } from './sources.ts'
import { agents } from './agents.ts'
import { startup } from './startup.ts'
import { sessions } from './sessions.ts'
import { routing } from './routing.ts'

export const suites: BenchSuite[] = [
  signatures,
  audit,
  runtime,
  batching,
  grammar,
  mesh,
  tasks,
  memory,
  retention,
  tools,
  witness,
  scale,
  context,
  federatedMemory,
  sources,
  agents,
  startup,
  sessions,
  routing,
]
