/**
 * What the runtime runs on: the backend node-llama-cpp picked (CUDA, Vulkan,
 * Metal or CPU), the GPU and its memory, CPU cores and RAM. A GPU that the
 * machine has but inference does not use is the most expensive silent
 * failure a node can have, so it becomes a warning here that `mycel inspect
 * gpu`, `mycel status` and the capability card all show.
 */
import { execFile } from 'node:child_process'
import { access, readdir, readFile } from 'node:fs/promises'
import { availableParallelism, platform, totalmem } from 'node:os'
import type { Llama } from 'node-llama-cpp'

export type Backend = 'cuda' | 'vulkan' | 'metal' | 'cpu'

export interface HardwareInfo {
  backend: Backend
  gpuName?: string
  vramTotalBytes?: number
  vramFreeBytes?: number
  cpuCores: number
  /** CPU threads each model context runs on (set with `--threads`, else the runtime's default). */
  cpuThreads?: number
  ramBytes: number
  /** GPUs seen on the machine, whether used or not. */
  gpusPresent: string[]
  warnings: string[]
}

const PCI_VENDORS: Record<string, string> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel' }

/** Discrete GPUs the OS shows, independent of llama.cpp: NVIDIA device nodes, DRM cards, nvidia-smi. */
export async function detectGpusPresent (): Promise<string[]> {
  const found = new Set<string>()
  if (platform() === 'darwin') {
    // Apple silicon always has a Metal GPU; Intel Macs mostly too.
    found.add('Apple GPU (Metal)')
    return [...found]
  }
  const smi = await new Promise<string>(resolve => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 3000 }, (err, stdout) => { resolve(err != null ? '' : stdout) })
  })
  for (const line of smi.split('\n')) if (line.trim() !== '') found.add(`NVIDIA ${line.trim().replace(/^NVIDIA\s+/, '')}`)
  if (found.size === 0 && await exists('/dev/nvidia0')) found.add('NVIDIA GPU (/dev/nvidia0)')
  try {
    for (const card of await readdir('/sys/class/drm')) {
      if (!/^card\d+$/.test(card)) continue
      const vendor = (await readFile(`/sys/class/drm/${card}/device/vendor`, 'utf8').catch(() => '')).trim()
      const name = PCI_VENDORS[vendor]
      // Intel integrated graphics rarely beat the CPU for LLMs; only NVIDIA and AMD count as "present but unused".
      if (name === 'NVIDIA' && [...found].some(f => f.startsWith('NVIDIA'))) continue
      if (name === 'NVIDIA' || name === 'AMD') found.add(`${name} GPU (${card})`)
    }
  } catch {}
  return [...found]
}

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch { return false }
}

/** `gpusPresent` overrides the OS probe (tests). */
export async function detectHardware (llama: Pick<Llama, 'gpu' | 'getGpuDeviceNames' | 'getVramState'>, opts: { gpusPresent?: string[] } = {}): Promise<HardwareInfo> {
  const backend: Backend = llama.gpu === false ? 'cpu' : llama.gpu
  const info: HardwareInfo = {
    backend,
    cpuCores: availableParallelism(),
    ramBytes: totalmem(),
    gpusPresent: opts.gpusPresent ?? await detectGpusPresent(),
    warnings: []
  }
  if (backend !== 'cpu') {
    const names = await llama.getGpuDeviceNames().catch(() => [] as string[])
    if (names.length > 0) info.gpuName = names.join(', ')
    const vram = await llama.getVramState().catch(() => undefined)
    if (vram != null) { info.vramTotalBytes = vram.total; info.vramFreeBytes = vram.free }
  } else if (info.gpusPresent.length > 0) {
    info.warnings.push(`GPU present but NOT used: ${info.gpusPresent.join(', ')}. Inference runs on the CPU, typically 10-50x slower. ` +
      'node-llama-cpp found no working GPU backend: check the driver (nvidia-smi), the CUDA/Vulkan runtime libraries, ' +
      'and that the @node-llama-cpp/*-cuda or *-vulkan prebuilt package is installed.')
  }
  return info
}
