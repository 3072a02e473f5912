/**
 * Every CLI command, in the order `mycel --help` lists them: its words and
 * summary here, the rest (options, implementation) in its module, which
 * loads only when that command is chosen. `mycel --version` would otherwise
 * load every command's implementation, the whole node included.
 * `test/cli/command-table.test.ts` checks each entry against its module.
 */
import type { Command, CommandEntry } from '../command.ts'

/** The command with these words out of a module's list of them. */
function pick (list: Command[], path: string[]): Command {
  const found = list.find(c => c.path.join(' ') === path.join(' '))
  if (found == null) throw new Error(`No command "${path.join(' ')}" in its module`)
  return found
}

export const commands: CommandEntry[] = [
  { path: ['init'], summary: 'Create this node\'s identity (an ed25519 key that is also its peer id)', load: async () => (await import('./init.ts')).init },
  { path: ['id'], summary: 'Show this node\'s peer id, name and membership', load: async () => (await import('./id.ts')).id },
  { path: ['org', 'create'], summary: 'Found an organisation: this node holds its root and admin keys', load: async () => (await import('./org.ts')).orgCreate },
  { path: ['invite', 'create'], summary: 'Create an invite key that lets one more machine join (admins)', load: async () => (await import('./invite.ts')).inviteCreate },
  { path: ['invite', 'inspect'], summary: 'Decode and verify an invite without joining', load: async () => (await import('./invite.ts')).inviteInspect },
  { path: ['invite', 'ls'], summary: 'List the invites this admin issued: uses left, expiry, who redeemed them, revoked or not', load: async () => (await import('./invite.ts')).inviteList },
  { path: ['invite', 'revoke'], summary: 'Revoke an invite so nobody can join with it any more (admins)', load: async () => (await import('./invite.ts')).inviteRevoke },
  { path: ['join'], summary: 'Join an organisation with an invite key (the node need not be running)', load: async () => (await import('./join.ts')).join },
  { path: ['start'], summary: 'Run the node in the foreground until Ctrl-C (SIGINT) or SIGTERM', load: async () => (await import('./start.ts')).start },
  { path: ['service', 'install'], summary: 'Run this home\'s node as a user service (systemd unit or launchd agent), restarted on failure', load: async () => (await import('./service.ts')).serviceInstall },
  { path: ['service', 'uninstall'], summary: 'Stop and remove this home\'s user service', load: async () => (await import('./service.ts')).serviceUninstall },
  { path: ['service', 'status'], summary: 'Show whether this home\'s service is installed, current, enabled and running', load: async () => (await import('./service.ts')).serviceStatus },
  { path: ['status'], summary: 'Show the running node: peer id, org, addresses, peers, uptime', load: async () => (await import('./mesh.ts')).status },
  { path: ['peers'], summary: 'List connected members with their round-trip times', load: async () => (await import('./mesh.ts')).peers },
  { path: ['caps'], summary: 'List the verified capability cards this node knows, its own included', load: async () => (await import('./mesh.ts')).caps },
  { path: ['revoke'], summary: 'Revoke a member and the invites it redeemed: every node drops it and refuses it from now on (admins)', load: async () => (await import('./mesh.ts')).revoke },
  { path: ['run'], summary: 'Delegate a task to the mesh (or run it here) and stream its output', load: async () => (await import('./run.ts')).run },
  { path: ['chat'], summary: 'Chat with a model; the session remembers (Ctrl-C cancels a turn, Ctrl-D exits)', load: async () => (await import('./chat.ts')).chat },
  { path: ['sessions', 'ls'], summary: 'List the chat sessions this node holds, most recent first', load: async () => pick((await import('./sessions.ts')).sessionsCommands, ['sessions', 'ls']) },
  { path: ['sessions', 'show'], summary: 'Show a session: its history, summary and the context its last turn used', load: async () => pick((await import('./sessions.ts')).sessionsCommands, ['sessions', 'show']) },
  { path: ['sessions', 'rm'], summary: 'Remove a session with its history and summaries', load: async () => pick((await import('./sessions.ts')).sessionsCommands, ['sessions', 'rm']) },
  { path: ['sessions', 'search'], summary: 'Search the turns and summaries of the sessions (or of one)', load: async () => pick((await import('./sessions.ts')).sessionsCommands, ['sessions', 'search']) },
  { path: ['tasks'], summary: 'List recent tasks (sent, received and local) with state and executor', load: async () => (await import('./run.ts')).tasks },
  { path: ['ps'], summary: 'Show the models loaded and the tasks running on this node now', load: async () => (await import('./ps.ts')).ps },
  { path: ['policy', 'show'], summary: 'Show the policy that decides every delegation to and from this node', load: async () => (await import('./policy.ts')).policyShow },
  { path: ['policy', 'reload'], summary: 'Put policy.json in force on the running node now (it also watches the file)', load: async () => (await import('./policy.ts')).policyReload },
  { path: ['policy', 'allow'], summary: 'Add a rule allowing a peer or group to run task kinds (added after the existing rules)', load: async () => (await import('./policy.ts')).policyAllow },
  { path: ['policy', 'deny'], summary: 'Add a rule denying a peer or group task kinds (added first, so it overrides the allows)', load: async () => (await import('./policy.ts')).policyDeny },
  { path: ['policy', 'rm'], summary: 'Remove a rule from the policy by its id', load: async () => (await import('./policy.ts')).policyRm },
  { path: ['audit', 'tail'], summary: 'Show the latest audit entries', load: async () => (await import('./audit.ts')).auditTail },
  { path: ['audit', 'verify'], summary: 'Recompute the audit log\'s hash chain, Merkle tree and signed checkpoints; --peers: and prove it consistent with what members hold', load: async () => (await import('./audit.ts')).auditVerify },
  { path: ['audit', 'trace'], summary: 'Show the tree of tasks a delegation chain links to TASK_ID (parent and children), from the entries this node holds', load: async () => (await import('./audit.ts')).auditTrace },
  { path: ['cloud', 'set'], summary: 'Set the OpenAI-compatible endpoint used when no member can serve a task and the policy lets it leave', load: async () => (await import('./cloud.ts')).cloudSet },
  { path: ['cloud', 'show'], summary: 'Show the cloud endpoint, its models and whether the policy lets anything go there (never the key)', load: async () => (await import('./cloud.ts')).cloudShow },
  { path: ['cloud', 'rm'], summary: 'Remove the cloud endpoint and its stored key', load: async () => (await import('./cloud.ts')).cloudRm },
  { path: ['doctor'], summary: 'List every file in the home with its mode and whether it holds secrets in clear; warn on loose modes', load: async () => (await import('./doctor.ts')).doctor },
  { path: ['mcp'], summary: 'Serve the mesh as MCP tools, resources and prompts over stdio (for MCP clients; needs a running node)', load: async () => (await import('./mcp.ts')).mcp },
  { path: ['tools', 'add'], summary: 'Register a local MCP server; the node starts and supervises it and offers its tools as NAME.TOOL', load: async () => (await import('./tools.ts')).toolsAdd },
  { path: ['tools', 'ls'], summary: 'List the tools of the mesh (this node\'s and its members\'), or the registered servers when no node runs', load: async () => (await import('./tools.ts')).toolsLs },
  { path: ['tools', 'rm'], summary: 'Remove a registered MCP server; the node stops offering its tools when it next starts', load: async () => (await import('./tools.ts')).toolsRm },
  { path: ['tool', 'call'], summary: 'Call a tool of the mesh (NAME is PROVIDER.TOOL, e.g. fs.read_text_file) and print its result', load: async () => (await import('./tool-call.ts')).toolCall },
  { path: ['agent', 'create'], summary: 'Create an agent: a model, a system prompt, the tools it may use and its budget', load: async () => (await import('./agent.ts')).agentCreate },
  { path: ['agent', 'ls'], summary: 'List this node\'s agents', load: async () => (await import('./agent.ts')).agentList },
  { path: ['agent', 'show'], summary: 'Show one agent\'s profile', load: async () => (await import('./agent.ts')).agentShow },
  { path: ['agent', 'rm'], summary: 'Remove an agent and its key', load: async () => (await import('./agent.ts')).agentRemove },
  { path: ['agent', 'run'], summary: 'Run an agent on a goal (here, or on the member --peer names) and stream its steps', load: async () => (await import('./agent.ts')).agentRun },
  { path: ['models', 'list'], summary: 'List the registered models with their SHA-256', load: async () => (await import('./models.ts')).modelsList },
  { path: ['models', 'add'], summary: 'Register a local GGUF file (hashes it; a changed file is refused at load)', load: async () => (await import('./models.ts')).modelsAdd },
  { path: ['models', 'rm'], summary: 'Unregister a model (the file stays on disk)', load: async () => (await import('./models.ts')).modelsRm },
  { path: ['models', 'pull'], summary: 'Download a GGUF (hf:OWNER/REPO[:QUANT] or an https URL; an interrupted https pull resumes), then register it', load: async () => (await import('./models.ts')).modelsPull },
  { path: ['models', 'approve'], summary: 'Put a model file on the org\'s signed catalog (admins; spreads to every member)', load: async () => (await import('./models.ts')).modelsApprove },
  { path: ['models', 'withdraw'], summary: 'Take a model (name or digest) off the org\'s catalog (admins)', load: async () => (await import('./models.ts')).modelsWithdraw },
  { path: ['models', 'catalog'], summary: 'List the model files the org\'s signed catalog approves', load: async () => (await import('./models.ts')).modelsCatalog },
  { path: ['inspect', 'gpu'], summary: 'Show the inference backend (CUDA, Vulkan, Metal or CPU), the GPU and its memory', load: async () => pick((await import('./models.ts')).runtimeCommands, ['inspect', 'gpu']) },
  { path: ['memory', 'ingest'], summary: 'Index files and folders (.txt, .md, .html, .pdf) into a memory collection', load: async () => (await import('./memory.ts')).memoryIngest },
  { path: ['memory', 'ls'], summary: 'List memory collections with their document and chunk counts', load: async () => (await import('./memory.ts')).memoryLs },
  { path: ['memory', 'rm'], summary: 'Remove a memory collection, or one document with --doc', load: async () => (await import('./memory.ts')).memoryRm },
  { path: ['memory', 'search'], summary: 'Search memory, across the members when a node runs: BM25, fused with vectors where they exist', load: async () => (await import('./memory.ts')).memorySearch },
  { path: ['memory', 'classify'], summary: 'Set a collection\'s data class (local-only collections never serve other members)', load: async () => (await import('./memory.ts')).memoryClassify },
  { path: ['memory', 'reindex'], summary: 'Add vectors to chunks that have none, with the node\'s embedding model', load: async () => (await import('./memory.ts')).memoryReindex },
  { path: ['memory', 'forget'], summary: 'Erase a source\'s documents here, and with --mesh on every member', load: async () => (await import('./memory-forget.ts')).memoryForget },
  { path: ['sources', 'add'], summary: 'Keep a folder, git repository, MCP server or mbox file in sync with a memory collection', load: async () => (await import('./sources.ts')).sourcesAdd },
  { path: ['sources', 'ls'], summary: 'List sources with their last sync, counts and errors', load: async () => (await import('./sources.ts')).sourcesLs },
  { path: ['sources', 'sync'], summary: 'Sync one source now, or all of them', load: async () => (await import('./sources.ts')).sourcesSync },
  { path: ['sources', 'rm'], summary: 'Stop syncing a source and forget what it wrote (--keep keeps the documents)', load: async () => (await import('./sources.ts')).sourcesRm },
  { path: ['ask'], summary: 'Answer a question from memory with a local model, citing sources', load: async () => (await import('./ask.ts')).ask },
  { path: ['demo'], summary: 'Run a throw-away three-node organisation on this machine and show delegation, policy and audit', load: async () => (await import('./demo.ts')).demo },
  { path: ['version'], summary: 'Print the Mycel and Node.js versions (also `mycel --version`)', load: async () => (await import('./version.ts')).version }
]
