/**
 * Moved to `memory/classes.ts`; this re-export keeps the callers on other
 * branches (the assembly's assemble.ts, a tasks test) compiling until they
 * switch. Delete once nothing imports it.
 */
export * from './memory/classes.ts'
