import { benchLlama, directGenerator, measureConcurrent, measureSerial } from './bench/runtime.ts'
const llama = await benchLlama()
for (const threads of [1, 2]) {
  const d = await directGenerator(llama, '/tmp/mycel-bench/large-s1.gguf', { sequences: 4, threads, prompt: 'Mycel' })
  await d.generate(2, () => {})
  const s = await measureSerial(d.generate, 4, 16)
  const c = (await measureConcurrent(d.generate, 4, 16)).tokensPerSecond
  console.log('threads', threads, 'serial', s.toFixed(2), 'concurrent', c.toFixed(2), (c / s).toFixed(2))
  await d.dispose()
}
