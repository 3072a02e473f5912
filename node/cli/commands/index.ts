/** Every CLI command, in the order `mycel --help` lists them. */
import type { Command } from '../command.ts'
import { version } from './version.ts'
import { runtimeCommands } from './models.ts'
import { init } from './init.ts'
import { id } from './id.ts'
import { orgCreate } from './org.ts'
import { inviteCreate, inviteInspect, inviteList, inviteRevoke } from './invite.ts'
import { join } from './join.ts'
import { start } from './start.ts'
import { serviceCommands } from './service.ts'
import { caps, peers, revoke, status } from './mesh.ts'
import { memoryCommands } from './memory.ts'
import { memoryForget } from './memory-forget.ts'
import { sourcesCommands } from './sources.ts'
import { run, tasks } from './run.ts'
import { ps } from './ps.ts'
import { policyAllow, policyDeny, policyReload, policyRm, policyShow } from './policy.ts'
import { auditTail, auditTrace, auditVerify } from './audit.ts'
import { demo } from './demo.ts'
import { mcp } from './mcp.ts'
import { ask } from './ask.ts'
import { toolsCommands } from './tools.ts'
import { toolCall } from './tool-call.ts'
import { cloudCommands } from './cloud.ts'
import { doctor } from './doctor.ts'
import { agentCommands } from './agent.ts'
import { chat } from './chat.ts'
import { sessionsCommands } from './sessions.ts'

export const commands: Command[] = [
  init,
  id,
  orgCreate,
  inviteCreate,
  inviteInspect,
  inviteList,
  inviteRevoke,
  join,
  start,
  ...serviceCommands,
  status,
  peers,
  caps,
  revoke,
  run,
  chat,
  ...sessionsCommands,
  tasks,
  ps,
  policyShow,
  policyReload,
  policyAllow,
  policyDeny,
  policyRm,
  auditTail,
  auditVerify,
  auditTrace,
  ...cloudCommands,
  doctor,
  mcp,
  ...toolsCommands,
  toolCall,
  ...agentCommands,
  ...runtimeCommands,
  ...memoryCommands,
  memoryForget,
  ...sourcesCommands,
  ask,
  demo,
  version
]
