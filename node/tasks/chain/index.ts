/**
 * Delegation chains on the node: the executor's gate (verify the chain,
 * then policy for every principal on it) and the audit data both sides
 * record. The wire format and its checks are protocol/chain.
 *
 * @example
 * const gate = new ChainGate({ self, orgId, policy, groupsOf, audit })
 * const { chain } = gate.verify({ links, from, taskId, request })
 */
export { ChainGate, nodePrincipals, policyAgentDecision, type AgentDecision, type ChainGateComponents, type ChainRequestFacts, type CheckedChain } from './gate.ts'
export { chainAuditData, ownChainAuditData } from './audit-data.ts'
