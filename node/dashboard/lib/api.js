// The one way the page talks to the node: every call carries the token from
// this tab's sessionStorage as a bearer token. The token comes from the login
// box or a one-time `/?token=…`, which is moved out of the URL at once.
const TOKEN_KEY = 'mycel.token'

export class Unauthorized extends Error {}

export function token () { return sessionStorage.getItem(TOKEN_KEY) }
export function setToken (t) { sessionStorage.setItem(TOKEN_KEY, t) }
export function forgetToken () { sessionStorage.removeItem(TOKEN_KEY) }

/** A token passed as /?token=… moves into sessionStorage and out of the URL (and the history). */
export function takeTokenFromUrl () {
  const url = new URL(location.href)
  const t = url.searchParams.get('token')
  if (t == null) return
  setToken(t)
  url.searchParams.delete('token')
  history.replaceState(null, '', url.pathname + url.search + url.hash)
}

export async function api (path, init = {}) {
  const { raw, json, ...rest } = init
  const headers = { ...(rest.headers ?? {}), authorization: `Bearer ${token()}` }
  if (json !== undefined) { headers['content-type'] = 'application/json'; rest.body = JSON.stringify(json) }
  const res = await fetch(path, { ...rest, headers })
  if (res.status === 401) throw new Unauthorized('The token was refused')
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`
    try { const j = await res.json(); msg = j.error?.message ?? msg } catch {}
    throw new Error(msg)
  }
  return raw === true ? res : await res.json()
}

/** The lines of a newline-delimited JSON response, parsed, as they arrive. */
export async function * ndjsonLines (res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buf = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buf += value
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim()
      buf = buf.slice(nl + 1)
      if (line !== '') yield JSON.parse(line)
    }
  }
  if (buf.trim() !== '') yield JSON.parse(buf)
}
