import type { Command } from '../command.ts'
import { ModelRegistry } from '../../runtime/registry.ts'
import { Runtime } from '../../runtime/runtime.ts'
import { homePaths } from '../../home/home.ts'
import { threadsOption } from '../parse.ts'

const GIB = 1024 ** 3

export const inspectGpu: Command = {
  path: ['inspect', 'gpu'],
  summary: 'Show the inference backend (CUDA, Vulkan, Metal or CPU), the GPU and its memory',
  async run (ctx) {
    const warnings: string[] = []
    const threads = threadsOption(undefined, ctx.env)
    const rt = new Runtime({ registry: new ModelRegistry({ dir: homePaths(ctx.home).modelsDir }) }, { onWarning: w => { warnings.push(w) }, ...(threads != null ? { threads } : {}) })
    await rt.start()
    try {
      const hw = rt.hardware()
      if (ctx.json) { ctx.out.json(hw); return }
      ctx.out.line(`backend    ${hw.backend}`)
      ctx.out.line(`gpu        ${hw.gpuName ?? '-'}`)
      if (hw.vramTotalBytes != null) ctx.out.line(`vram       ${((hw.vramFreeBytes ?? 0) / GIB).toFixed(1)} GiB free of ${(hw.vramTotalBytes / GIB).toFixed(1)} GiB`)
      ctx.out.line(`gpus seen  ${hw.gpusPresent.length > 0 ? hw.gpusPresent.join(', ') : '-'}`)
      ctx.out.line(`cpu        ${hw.cpuCores} cores, ${hw.cpuThreads ?? '-'} threads per context (MYCEL_THREADS or start --threads)`)
      ctx.out.line(`ram        ${(hw.ramBytes / GIB).toFixed(1)} GiB`)
      for (const w of hw.warnings) ctx.out.error(`WARNING: ${w}`)
    } finally {
      await rt.stop()
    }
  }
}
