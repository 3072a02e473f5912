/** The dashboard's JavaScript modules, relative to this folder; only these are served. */
export const DASHBOARD_MODULES = [
  'app.js',
  'lib/api.js',
  'lib/dom.js',
  'lib/state.js',
  'views/agent-run.js',
  'views/agents.js',
  'views/ask.js',
  'views/chat.js',
  'views/audit.js',
  'views/charts.js',
  'views/invites.js',
  'views/members.js',
  'views/memory.js',
  'views/models.js',
  'views/policy.js',
  'views/tasks.js'
] as const
