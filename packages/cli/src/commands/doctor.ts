import { TENSOR_BACKENDS, describeEnvironment, selectTensorBackend, type TensorBackendName } from '@plaf/core'
import { choiceDiagnostic } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'

/** The doctor's Float16Array line from `typeof globalThis.Float16Array`. */
export function float16Line(type: string): string {
  return type === 'function'
    ? 'built in: onnxruntime returns float16 tensors as Float16Array, which plaf reads as their bits'
    : 'not in this Node (added in Node 24): plaf converts float16 from its bits (Uint16Array), no effect on results'
}

/** `plaf doctor [--json]`: Node, onnxruntime, tensor backends available and chosen, and why. */
export async function doctorCommand(opts: { json?: boolean; backend?: string }, io: Io): Promise<number> {
  const preference = opts.backend ?? 'auto'
  const bad = choiceDiagnostic('--backend', preference, ['auto', ...TENSOR_BACKENDS], 'tensor backend')
  if (bad) {
    printDiagnostics(io, [bad], opts.json)
    return EXIT.user
  }
  const env = await describeEnvironment()
  const { backend, choices } = await selectTensorBackend(preference as 'auto' | TensorBackendName)
  const active = { name: backend.name, device: backend.device, why: choices.find((c) => c.status === 'chosen')?.why ?? '' }
  await backend.dispose()
  if (opts.json) {
    io.out(JSON.stringify({ ...env, activeTensorBackend: active, selection: choices }, null, 2))
    return EXIT.ok
  }
  const gib = (b: number): string => (b / 2 ** 30).toFixed(1)
  io.out(`node           ${env.node} (${env.platform}-${env.arch}), ${env.cpus} cores (${env.cpuModel}), ${gib(env.totalMemoryBytes)} GiB`)
  io.out(`onnxruntime    ${env.onnxruntime.version ?? 'not loadable: ' + env.onnxruntime.error}`)
  io.out(`  providers    ${env.onnxruntime.backends.map((b) => `${b.name}${b.bundled ? '' : ' (libraries not bundled)'}`).join(', ')}`)
  io.out(`  cuda libs    ${env.onnxruntime.cudaProviderLibraries.map((l) => `${l.file} ${l.present ? 'present' : 'missing'}`).join(', ') || 'n/a'}`)
  io.out(`Float16Array   ${float16Line(env.float16Array)}`)
  io.out('tensor backends (auto order):')
  for (const c of env.tensorBackends) io.out(`  ${c.name.padEnd(14)} ${c.status.padEnd(9)} ${c.why}`)
  io.out(`active tensor backend: ${active.name} on ${active.device}: ${active.why}`)
  for (const c of choices.filter((c) => c.status === 'skipped')) io.out(`  skipped ${c.name}: ${c.why}`)
  return EXIT.ok
}
