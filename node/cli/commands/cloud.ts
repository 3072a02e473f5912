/**
 * `mycel cloud set|show|rm`: the external OpenAI-compatible endpoint a task
 * may go to when no member can serve it. The endpoint is used only where
 * the policy's `cloudFallback` allows the kind and data class; these
 * commands only say where it is, which models it may take and its key.
 * A running node reads the settings on each use, so no restart is needed.
 */
import type { Command, CommandContext } from '../command.ts'
import { UsageError } from '../errors.ts'
import { parseDuration, stringList } from '../parse.ts'
import { passphraseOf } from '../home-state.ts'
import {
  cloudPaths, loadCloudConfig, normaliseCloudUrl, readKeyFileGiven, removeCloudConfig, saveCloudConfig, storeCloudKey, type CloudConfig
} from '../../cloud/index.ts'
import { loadPolicyFile } from '../../policy/load.ts'
import { homePaths } from '../../home/home.ts'

export const cloudSet: Command = {
  path: ['cloud', 'set'],
  summary: 'Set the OpenAI-compatible endpoint used when no member can serve a task and the policy lets it leave',
  usage: 'URL (--key-file FILE | --key-env NAME) --model LOCAL=REMOTE... [--timeout 60s]',
  positionals: { min: 1, max: 1 },
  options: {
    'key-file': { type: 'string', help: 'File holding the API key (mode 0600); the key is copied into the home, sealed with MYCEL_PASSPHRASE' },
    'key-env': { type: 'string', help: 'Environment variable the node reads the API key from (nothing is stored)' },
    model: { type: 'string', multiple: true, help: 'Model name a task asks for = model name at the endpoint (repeat)' },
    timeout: { type: 'string', help: 'Longest a request may take, stream included (default 60s)' }
  },
  async run (ctx, args) {
    const url = normaliseCloudUrl(args.positionals[0] as string)
    const keyFile = args.values['key-file'] as string | undefined
    const keyEnv = args.values['key-env'] as string | undefined
    if ((keyFile == null) === (keyEnv == null)) throw new UsageError('Give the key with exactly one of --key-file FILE or --key-env NAME')
    const models = modelMap(stringList(args.values.model))
    const timeout = args.values.timeout as string | undefined
    const config: CloudConfig = {
      v: 1, url, models, key: keyFile != null ? 'file' : 'env',
      ...(keyEnv != null ? { keyEnv } : {}),
      ...(timeout != null ? { timeoutMs: parseDuration(timeout, '--timeout') } : {})
    }
    const paths = cloudPaths(ctx.home)
    // the key first: a config pointing at a key that is not there would fail every task
    const { passphrase } = passphraseOf(ctx)
    if (keyFile != null) await storeCloudKey(paths, await readKeyFileGiven(keyFile), passphrase)
    await saveCloudConfig(paths, config)
    const sealed = keyFile == null ? 'read from the environment' : passphrase != null ? 'sealed with MYCEL_PASSPHRASE' : 'stored in clear (mode 0600): set MYCEL_PASSPHRASE to seal it'
    if (ctx.json) { ctx.out.json({ ...config, keyStored: keyFile != null, encrypted: keyFile != null && passphrase != null }); return }
    ctx.out.line(`Cloud endpoint ${url} set for ${Object.entries(models).map(([l, r]) => `${l} → ${r}`).join(', ')}; its key is ${sealed}`)
    await policyHint(ctx, url)
  }
}

export const cloudShow: Command = {
  path: ['cloud', 'show'],
  summary: 'Show the cloud endpoint, its models and whether the policy lets anything go there (never the key)',
  async run (ctx) {
    const config = await loadCloudConfig(cloudPaths(ctx.home))
    const policy = await loadPolicyFile(homePaths(ctx.home).policy).catch(() => null)
    const cf = policy?.cloudFallback
    const allowed = cf?.enabled === true ? { kinds: cf.kinds, classes: cf.classes, endpoint: cf.endpoint ?? null } : null
    if (ctx.json) { ctx.out.json({ endpoint: config == null ? null : { url: config.url, models: config.models, key: config.key, ...(config.keyEnv != null ? { keyEnv: config.keyEnv } : {}), timeoutMs: config.timeoutMs ?? null }, policy: allowed }); return }
    if (config == null) { ctx.out.line('No cloud endpoint is set: tasks no member can serve fail (mycel cloud set URL ...)'); return }
    ctx.out.line(`endpoint   ${config.url}`)
    for (const [l, r] of Object.entries(config.models)) ctx.out.line(`model      ${l} → ${r}`)
    ctx.out.line(`key        ${config.key === 'env' ? `from $${config.keyEnv ?? ''}` : 'stored in the home'}`)
    if (allowed == null) ctx.out.line('policy     cloudFallback is off: nothing goes out')
    else ctx.out.line(`policy     ${allowed.kinds.join(', ')} with ${allowed.classes.join(', ')} data may go to ${allowed.endpoint ?? 'the endpoint'}`)
  }
}

export const cloudRm: Command = {
  path: ['cloud', 'rm'],
  summary: 'Remove the cloud endpoint and its stored key',
  async run (ctx) {
    const had = await removeCloudConfig(cloudPaths(ctx.home))
    if (ctx.json) ctx.out.json({ removed: had })
    else ctx.out.line(had ? 'Cloud endpoint and key removed: nothing leaves the org' : 'No cloud endpoint was set')
  }
}

export const cloudCommands: Command[] = [cloudSet, cloudShow, cloudRm]

function modelMap (pairs: string[]): Record<string, string> {
  if (pairs.length === 0) throw new UsageError('Name at least one --model LOCAL=REMOTE: only mapped models may go out')
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const [local, remote, ...rest] = p.split('=')
    if (local == null || local === '' || remote == null || remote === '' || rest.length > 0) throw new UsageError(`--model takes LOCAL=REMOTE, not ${JSON.stringify(p)}`)
    out[local] = remote
  }
  return out
}

/** Says what the policy still needs, since setting an endpoint alone lets nothing out. */
async function policyHint (ctx: CommandContext, url: string): Promise<void> {
  const cf = (await loadPolicyFile(homePaths(ctx.home).policy).catch(() => null))?.cloudFallback
  if (cf?.enabled !== true) ctx.out.line(`Nothing goes out until policy.json allows it: "cloudFallback": { "enabled": true, "endpoint": "${url}", "kinds": ["llm.chat"], "classes": ["public"] }`)
  else if (cf.endpoint != null && normaliseCloudUrl(cf.endpoint) !== url) ctx.out.line(`The policy allows the endpoint ${cf.endpoint}, not this one: nothing goes out until they match`)
}
