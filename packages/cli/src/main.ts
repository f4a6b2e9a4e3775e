import { Command, CommanderError, Option } from 'commander'
import { dataConvertCommand, dataInspectCommand } from './commands/data.js'
import { demoCommand } from './commands/demo.js'
import { doctorCommand } from './commands/doctor.js'
import { embedTextCommand } from './commands/embed-text.js'
import { evalCommand } from './commands/eval.js'
import { registerEvalProbe } from './commands/eval-probe.js'
import { pluginsCommand, schemaCommand, validateCommand } from './commands/inspect.js'
import { modelsMakeContractCommand } from './commands/make-contract.js'
import { makeSceneCommand } from './commands/make-scene.js'
import { mergeCommand } from './commands/merge.js'
import { modelsImportCommand, modelsInfoCommand, modelsListCommand, modelsPullCommand, modelsRemoveCommand, modelsVerifyCommand } from './commands/models.js'
import { queryCommand } from './commands/query.js'
import { runCommand } from './commands/run.js'
import { viewCommand } from './commands/view.js'
import { choiceDiagnostic } from './flags.js'
import { EXIT, printDiagnostics, processIo, reportError, type Io } from './io.js'
import { VERSION } from './version.js'

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]
const PROGRESS_MODES = ['auto', 'bar', 'lines', 'none']
const progressOption = () => new Option('--progress <mode>', `progress display: ${PROGRESS_MODES.join(', ')}`)

/** Builds the commander program; every action stores its exit code in `result.code`. */
export function buildProgram(io: Io, result: { code: number }): Command {
  const program = new Command('plaf')
    .description('PLAF-TS: pixel-wise language-aligned features for open-vocabulary 3D scene understanding')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
  const act = <A extends unknown[]>(fn: (...a: A) => Promise<number> | number) => async (...a: A) => {
    // Flags with a fixed set of values are checked here, so their errors read like every other option error.
    const opts = a.find((x): x is { progress?: string } => typeof x === 'object' && x !== null && 'progress' in x)
    const bad = opts?.progress !== undefined ? choiceDiagnostic('--progress', opts.progress, PROGRESS_MODES, 'progress mode') : undefined
    if (bad) {
      printDiagnostics(io, [bad])
      result.code = EXIT.user
      return
    }
    result.code = await fn(...a)
  }
  program.command('run <pipeline>').description('run a pipeline into a run directory')
    .option('--set <path=value>', 'override a value (repeatable), e.g. stages.masker.use=grid', collect, [])
    .option('--out <dir>', 'run directory (default: the pipeline output.dir)')
    .option('--resume', 'continue an interrupted run in the same directory')
    .option('--overwrite', 'delete the run a run directory holds first (needed when it is another configuration\'s run)')
    .option('--json', 'print the report and diagnostics as JSON')
    .option('--shard <i/n>', 'run shard i (0-based) of n: every n-th chunk of frames into a partial map (plaf merge fuses them), or with --scenes every n-th listed scene')
    .option('--shard-chunk <frames>', 'frames per chunk of --shard (default 25)')
    .option('--scenes <list.txt>', 'run each scene listed in the file (one path a line, relative to it) into <out>/<scene name>; with --shard only this shard\'s scenes')
    .option('--scene-option <key>', 'the input option --scenes sets to each listed path (default scene)')
    .addOption(progressOption())
    .action(act((file: string, o) => runCommand(file, o, io)))
  program.command('merge <partial-dirs...>').description('fuse the partial maps of plaf run --shard i/n runs into one map (the lifter\'s association rule)')
    .option('--out <dir>', 'directory of the merged map (required; none of the partials, inside or around them)')
    .option('--overwrite', 'clear an --out directory holding another run first (refused otherwise)')
    .option('--json', 'print the merge summary as JSON')
    .action(act((dirs: string[], o) => mergeCommand(dirs, o, io)))
  program.command('validate <pipeline>').description('check a pipeline without running it (exit 1 on any error)')
    .option('--set <path=value>', 'override a value (repeatable)', collect, [])
    .option('--json', 'print diagnostics as JSON')
    .action(act((file: string, o) => validateCommand(file, o, io)))
  program.command('plugins [name]').description('list plugins with their kind, description and options schema')
    .option('--pipeline <file>', 'also the plugins that pipeline file loads with plugins: (a plugin of your own)')
    .option('--json', 'machine-readable, with the full JSON Schema of each plugin')
    .action(act((name: string | undefined, o) => pluginsCommand(name, o, io)))
  program.command('schema').description('write the JSON Schema of pipeline files (for yaml-language-server)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(act((o) => schemaCommand(o, io)))
  program.command('doctor').description('Node, onnxruntime, tensor backends available and chosen, and why')
    .option('--json', 'machine-readable')
    .option('--backend <name>', 'check an explicit tensor backend instead of auto')
    .action(act((o) => doctorCommand(o, io)))
  program.command('make-scene <dir>').description('write a procedural RGB-D scene in the ScanNet export layout')
    .option('--frames <n>', 'number of frames')
    .option('--seed <n>', 'random seed')
    .option('--objects <n>', 'number of coloured objects')
    .option('--sens', 'also write <scene>.sens, the same frames in ScanNet\'s raw format (v4)')
    .option('--format <format>', 'scannet (default: the ScanNet export layout), rgbd-folder (the own-data format), replica (NICE-SLAM layout) or tum (TUM RGB-D, freiburg3 camera: the tum reader takes the camera from the folder name, so <dir> must contain freiburg3, e.g. rgbd_dataset_freiburg3_room)')
    .option('--set <path=value>', 'any synthetic-room option, e.g. invalid_pose_frames=[3]', collect, [])
    .action(act((dir: string, o) => makeSceneCommand(dir, o, io)))
  program.command('query <run-dir>').description('query a finished run with text, without recomputing features')
    .option('--text <text>', 'a text query (repeatable)', collect, [])
    .option('--labels <a,b,…>', 'label texts: also write labels/<frame>.png, argmax over the labels (0 = background)')
    .option('--frames <ids>', 'only these frames, comma-separated ids (e.g. 0,10,20)')
    .option('--mode <mode>', 'score mode: cosine, softmax (over the queries) or relevancy (LERF, against negative phrases)')
    .option('--negatives <a,b,…>', 'negative phrases of --mode relevancy (default LERF\'s: object,things,stuff,texture)')
    .option('--out <dir>', 'output directory (default <run-dir>/queries); it holds one query: the previous query\'s outputs there are cleared')
    .option('--overwrite', 'delete files in --out that no earlier plaf query wrote (refused otherwise)')
    .option('--threshold <t>', 'score threshold for masks and point selection, or auto (Otsu); default: the run\'s')
    .option('--skip-damaged', 'leave out stored frames that cannot be read, each a counted warning (default: an error)')
    .option('--mesh <file.ply>', 'carry the 3D scores and labels to this mesh\'s vertices (nearest map point within --mesh-max-distance; else score NaN, label 0): mesh/<query>.ply')
    .option('--mesh-max-distance <m>', 'distance cut-off in metres for --mesh (default 0.05)')
    .option('--top-regions <n>', 'regions listed per query in <query>.regions.json, largest first (default: the run\'s, 5)')
    .option('--images', 'also write pictures: mask and overlay PNGs per frame, a contact sheet and a 3D map snapshot per query (default: scores, top masks and PLYs only)')
    .option('--json', 'print the result (per-query counts, best scores, timings, paths) as JSON')
    .action(act((runDir: string, o) => queryCommand(runDir, o, io)))
  program.command('view <run-dir>').description('explore a finished run in the browser: its 3D map, text queries, frames; or --export one static page')
    .option('--port <n>', 'port to listen on (default 8080; 0: any free one); not with --export')
    .option('--host <address>', 'address to bind (default 127.0.0.1: this machine only)')
    .option('--open', 'open the page in the default browser')
    .option('--export <file.html>', 'write one self-contained page (no server needed) and exit')
    .option('--text <text>', 'with --export: a query whose scores the page carries (repeatable; default: the run\'s queries)', collect, [])
    .option('--labels <a,b,…>', 'with --export: label texts for the argmax view (default: the run\'s labels)')
    .option('--max-points <n>', 'with --export: at most this many points, an even subsample (default 300000)')
    .option('--mode <mode>', 'score mode the page starts in (an exported page holds only this one): cosine, softmax or relevancy (default: the run querier\'s)')
    .option('--threshold <t>', 'threshold the page starts with, a score or auto (Otsu); default: the run querier\'s')
    .option('--negatives <a,b,…>', 'negative phrases of the relevancy mode (default: the run querier\'s, LERF\'s object,things,stuff,texture)')
    .option('--allow-host <name>', 'with --host: a further host name the server answers to, e.g. the machine\'s name (repeatable; other Host headers are refused against DNS rebinding)', collect, [])
    .option('--export-frames <n>', 'with --export: at most this many frame thumbnails with their 2D overlays (default 12; 0: none)')
    .option('--export-frames-mb <mb>', 'with --export: byte budget of the frame thumbnails in megabytes (default 2)')
    .action(act((runDir: string, o) => viewCommand(runDir, o, io)))
  program.command('embed-text [texts...]').description('embed texts with a text encoder: a table (text, norm, first values), JSON, or an N×D float32 .npy')
    .requiredOption('--encoder <plugin>', 'text-encoder plugin: siglip-text, clip-text, color-lexicon-text')
    .option('--model <name>', 'model name (or name@version) in the store; default: the encoder\'s')
    .option('--templates <template>', 'prompt template with {} (repeatable); each text is embedded under every one and averaged', collect, [])
    .option('--batch-size <n>', 'prompts per session run')
    .option('--cache <mode>', 'embedding cache: disk, memory or off')
    .option('--out <file>', 'write the embeddings as an N×D float32 .npy file')
    .option('--hub <url>', 'hub to pull a missing model from (default: PLAF_HUB)')
    .option('--offline', 'never use the network (as PLAF_OFFLINE=1)')
    .option('--json', 'print encoder, space, shape and the embeddings as JSON')
    .action(act((texts: string[], o) => embedTextCommand(texts, o, io)))
  const data = program.command('data').description('inspect and convert RGB-D data sets')
  data.command('inspect <path>').description('read a data set as plaf run would: format, frames usable and skipped (with reasons), sizes, intrinsics, labels')
    .option('--format <format>', 'auto, scannet, sens, rgbd-folder, tum, replica or ade20k')
    .option('--json', 'print one JSON object: format, frames, usable, skipped, color, depth, intrinsics, labels')
    .option('--quick', 'read file lists, headers and every pose, but decode only the first usable frame; the report lists what was not checked')
    .option('--no-skip-damaged', 'a .sens cut short is an error (default: the complete frames before the cut are read and the cut listed as skipped with its byte offsets)')
    .action(act((path: string, o) => dataInspectCommand(path, o, io)))
  data.command('convert <src> <dir>').description('write a data set (its usable frames, losslessly) in another format: --to rgbd-folder')
    .requiredOption('--to <format>', 'output format: rgbd-folder')
    .option('--format <format>', 'source format: auto, scannet, sens, rgbd-folder, tum, replica')
    .option('--json', 'print the summary as JSON')
    .action(act((src: string, dir: string, o) => dataConvertCommand(src, dir, o, io)))
  program.command('demo').description('generate the demo scene if missing, run pipelines/demo.yaml, run colour queries, print a summary')
    .option('--out <dir>', 'run directory', 'runs/demo')
    .option('--scene <dir>', 'scene directory', 'demo-data/scene0000_00')
    .option('--set <path=value>', 'override a pipeline value (repeatable)', collect, [])
    .addOption(progressOption())
    .action(act((o) => demoCommand(o, io)))
  // plaf eval: scannet in commands/eval.ts; further benchmarks register on `evaluate` below
  const evaluate = evalCommand(program, act, io)
  registerEvalProbe(evaluate, act, io)
  const models = program.command('models').description('the model store under PLAF_HOME (default ~/.cache/plaf): list, pull, import, verify, rm, info')
  models.command('list').description('installed models: name@version, licence, size, family')
    .option('--json', 'machine-readable')
    .action(act((o) => modelsListCommand(o, io)))
  models.command('pull <name>').description('download a model from a hub ({hub}/{repo}/resolve/{revision}/{path}), resuming and verifying sha256')
    .option('--hub <url>', 'hub base URL (default: PLAF_HUB)')
    .option('--revision <rev>', 'branch, tag or commit on the hub', 'main')
    .option('--repo <repo>', 'repository on the hub (default: the model name)')
    .option('--offline', 'refuse the network (as PLAF_OFFLINE=1)')
    .option('--json', 'print the result as JSON')
    .addOption(progressOption())
    .action(act((name: string, o) => modelsPullCommand(name, o, io)))
  models.command('import <dir>').description('copy a model folder (plaf-model.json, or the transformers.js layout) into the store')
    .option('--layout <layout>', 'plaf or transformers.js (default: detected)')
    .option('--name <name>', 'model name (default: the manifest\'s, or the folder name)')
    .option('--model-version <version>', 'model version (default: the manifest\'s, or sha-<hash of the files>)')
    .option('--family <family>', 'transformers.js: the family when config.json does not say it')
    .option('--licence <id>', 'transformers.js: the licence id when README.md does not say it')
    .option('--replace', 'overwrite an installed name@version whose files differ (else that is refused, exit 1)')
    .option('--json', 'print the result as JSON')
    .action(act((dir: string, o) => modelsImportCommand(dir, o, io)))
  models.command('make-contract <model...>').description('install contract models (radio, siglip-text, sam, or all) under the names pipelines/scannet.yaml opens: the real exports\' I/O with RANDOM weights, to try a pipeline end to end (marked random_weights; every run using one warns)')
    .option('--json', 'machine-readable')
    .action(act((which: string[], o) => modelsMakeContractCommand(which, o, io)))
  models.command('verify [name]').description('re-hash every file of one or all models (exit 1 on a missing, truncated or changed file)')
    .option('--json', 'machine-readable')
    .action(act((name: string | undefined, o) => modelsVerifyCommand(name, o, io)))
  models.command('rm <name>').description('remove name@version, or every version of name')
    .option('--json', 'machine-readable')
    .action(act((name: string, o) => modelsRemoveCommand(name, o, io)))
  models.command('info <name>').description('the manifest and the real inputs/outputs read from each ONNX file (exit 1 on a mismatch); <name> may be a model folder not imported yet (without plaf-model.json: its ONNX files\' real I/O)')
    .option('--json', 'machine-readable')
    .action(act((name: string, o) => modelsInfoCommand(name, o, io)))
  return program
}

/** Runs the CLI with argv (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const result = { code: EXIT.ok as number }
  try {
    await buildProgram(io, result).parseAsync(argv, { from: 'user' })
    return result.code
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.user
    return reportError(io, e)
  }
}
