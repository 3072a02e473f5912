// Building the page from data. Strings always become text nodes (never
// markup), so names, reasons, prompts and outputs from the mesh cannot
// inject HTML: there is no innerHTML anywhere in the dashboard.

export const $ = (id) => document.getElementById(id)

/** Builds an element; `props` sets id, class, title, type, value, disabled, and the rest as data-*; strings become text nodes. */
export function el (tag, props = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v == null) continue
    if (k === 'class') e.className = v
    else if (k === 'id' || k === 'title') e[k] = v
    else if (k === 'type' || k === 'value' || k === 'disabled') e[k] = v
    else e.dataset[k] = v
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')))
  return e
}

/** A button that runs `onClick`, shown as a link unless `cls` says otherwise. */
export function button (label, onClick, props = {}) {
  const b = el('button', { type: 'button', class: 'link', ...props }, label)
  b.addEventListener('click', onClick)
  return b
}

export function plural (n, one, many) { return `${n} ${n === 1 ? one : many}` }
export function short (id) { return typeof id === 'string' && id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : String(id ?? '') }
export function age (ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`
}
/** How long until `ms` (a time in the future), as `age` says it. */
export function until (ms) { return age(Date.now() - (ms - Date.now())) }
export function duration (ms) {
  if (ms == null) return '—'
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`
}
export function bytes (n) {
  if (typeof n !== 'number') return '—'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}
export function clock (ms) { return new Date(ms).toLocaleTimeString([], { hour12: false }) }

/** Replaces a select's options only when they changed, keeping the choice. */
export function syncOptions (select, pairs) {
  const key = JSON.stringify(pairs)
  if (select.dataset.key === key) return
  const chosen = select.value
  select.replaceChildren(...pairs.map(([value, label]) => { const o = el('option', {}, label); o.value = value; return o }))
  if (pairs.some(([v]) => v === chosen)) select.value = chosen
  select.dataset.key = key
}

/** Shows an error (or clears it) in a view's status line. */
export function say (node, text, isError = false) {
  node.textContent = text
  node.classList.toggle('error', isError)
}

/** Asks a yes/no question in the page's own dialog (not window.confirm); resolves true for yes. */
export function confirmDialog ({ title, message, yes }) {
  const dialog = $('confirm')
  $('confirm-title').textContent = title
  $('confirm-message').textContent = message
  $('confirm-yes').textContent = yes
  return new Promise(resolve => {
    const done = (answer) => () => { dialog.close(); cleanup(); resolve(answer) }
    const onYes = done(true)
    const onNo = done(false)
    const onCancel = () => { cleanup(); resolve(false) }
    const cleanup = () => {
      $('confirm-yes').removeEventListener('click', onYes)
      $('confirm-no').removeEventListener('click', onNo)
      dialog.removeEventListener('cancel', onCancel)
    }
    $('confirm-yes').addEventListener('click', onYes)
    $('confirm-no').addEventListener('click', onNo)
    dialog.addEventListener('cancel', onCancel)
    dialog.showModal()
    $('confirm-no').focus()
  })
}
