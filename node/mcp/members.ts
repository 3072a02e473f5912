/** A member of the mesh as the MCP tools and resources show it: its verified card, models by name. */
export interface MemberView {
  peerId: unknown
  name: unknown
  self: boolean
  taskKinds: unknown
  models: unknown[]
  collections: unknown
  hardware: unknown
  load: unknown
  roles: unknown
}

export function memberView (c: Record<string, unknown>): MemberView {
  return {
    peerId: c.peerId,
    name: c.name,
    self: c.self === true,
    taskKinds: c.taskKinds,
    models: Array.isArray(c.models) ? (c.models as Array<{ name?: unknown }>).map(m => m.name) : [],
    collections: c.collections,
    hardware: c.hardware,
    load: c.load,
    roles: c.roles
  }
}
