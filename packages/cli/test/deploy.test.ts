import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { parseShard } from '../src/commands/shard.js'

const DEPLOY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy')

/**
 * The batch/v1 Job fields the examples use, as the Kubernetes API defines them (types, enums,
 * minimums; `additionalProperties: false` wherever the examples set fields, so a misspelt or
 * misplaced key fails). kubectl --dry-run is not available here; this checks the same shape.
 */
const quantity = { anyOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$' }, { type: 'integer', minimum: 0 }] }
const labels = { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } }
const dnsName = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }
const container = {
  type: 'object', additionalProperties: false, required: ['name', 'image'],
  properties: {
    name: dnsName,
    image: { type: 'string', minLength: 1 },
    workingDir: { type: 'string' },
    command: { type: 'array', items: { type: 'string' } },
    args: { type: 'array', items: { type: 'string' } },
    env: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, value: { type: 'string' } } },
    },
    resources: {
      type: 'object', additionalProperties: false,
      properties: {
        requests: { type: 'object', additionalProperties: false, properties: { cpu: quantity, memory: quantity } },
        limits: { type: 'object', additionalProperties: false, properties: { cpu: quantity, memory: quantity } },
      },
    },
    volumeMounts: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['name', 'mountPath'], properties: { name: dnsName, mountPath: { type: 'string', pattern: '^/' }, readOnly: { type: 'boolean' } } },
    },
  },
}
const jobSchema = {
  type: 'object', additionalProperties: false, required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'batch/v1' },
    kind: { const: 'Job' },
    metadata: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: dnsName, labels } },
    spec: {
      type: 'object', additionalProperties: false, required: ['template'],
      properties: {
        completionMode: { enum: ['NonIndexed', 'Indexed'] },
        completions: { type: 'integer', minimum: 1 },
        parallelism: { type: 'integer', minimum: 1 },
        backoffLimit: { type: 'integer', minimum: 0 },
        backoffLimitPerIndex: { type: 'integer', minimum: 0 },
        maxFailedIndexes: { type: 'integer', minimum: 0 },
        ttlSecondsAfterFinished: { type: 'integer', minimum: 0 },
        template: {
          type: 'object', additionalProperties: false, required: ['spec'],
          properties: {
            metadata: { type: 'object', additionalProperties: false, properties: { labels } },
            spec: {
              type: 'object', additionalProperties: false, required: ['containers', 'restartPolicy'],
              properties: {
                // a Job's pods may not restart Always
                restartPolicy: { enum: ['Never', 'OnFailure'] },
                terminationGracePeriodSeconds: { type: 'integer', minimum: 0 },
                containers: { type: 'array', minItems: 1, items: container },
                volumes: {
                  type: 'array',
                  items: {
                    type: 'object', additionalProperties: false, required: ['name', 'persistentVolumeClaim'],
                    properties: { name: dnsName, persistentVolumeClaim: { type: 'object', additionalProperties: false, required: ['claimName'], properties: { claimName: dnsName, readOnly: { type: 'boolean' } } } },
                  },
                },
              },
            },
          },
        },
      },
      // backoffLimitPerIndex and maxFailedIndexes exist only for Indexed Jobs
      if: { anyOf: [{ required: ['backoffLimitPerIndex'] }, { required: ['maxFailedIndexes'] }] },
      then: { required: ['completionMode'], properties: { completionMode: { const: 'Indexed' } } },
    },
  },
}

type Job = { metadata: { labels?: Record<string, string> }; spec: { completionMode?: string; completions: number; parallelism?: number; template: { metadata?: { labels?: Record<string, string> }; spec: { restartPolicy: string; containers: Array<{ args: string[] }>; volumes: Array<{ name: string }> } } } }

describe('deploy/ examples', () => {
  it('the Slurm scripts parse (bash -n) and refuse to run outside an array job', () => {
    const scripts = readdirSync(join(DEPLOY, 'slurm'))
    expect(scripts.sort()).toEqual(['plaf-merge.sbatch', 'plaf-scenes.sbatch', 'plaf-shards.sbatch', 'submit.sh'])
    for (const s of scripts) {
      const r = spawnSync('bash', ['-n', join(DEPLOY, 'slurm', s)], { encoding: 'utf8' })
      expect(r.status, `${s}: ${r.stderr}`).toBe(0)
    }
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')))
    const r = spawnSync('bash', [join(DEPLOY, 'slurm', 'plaf-shards.sbatch'), 'p.yaml', 'runs'], { encoding: 'utf8', env })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('array job')
    // the #SBATCH --array range is 0-based, as --shard i/n is
    const text = readFileSync(join(DEPLOY, 'slurm', 'plaf-shards.sbatch'), 'utf8')
    const [, last] = /#SBATCH --array=0-(\d+)/.exec(text) ?? []
    expect(Number(last)).toBeGreaterThan(0)
    expect(parseShard(`${last}/${Number(last) + 1}`).index).toBe(Number(last))
  })

  it('a shard task adds --resume once its progress.json exists, and plaf gets SIGTERM before the time limit', () => {
    const root = mkdtempSync(join(tmpdir(), 'plaf-deploy-'))
    try {
      const env = { ...process.env, PLAF: 'echo plaf', SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }
      const run = () => execFileSync('bash', [join(DEPLOY, 'slurm', 'plaf-shards.sbatch'), 'p.yaml', root, '--set', 'a=b'], { encoding: 'utf8', env }).trim()
      expect(run()).toBe(`plaf run p.yaml --shard 1/3 --shard-chunk 25 --out ${root}/shard-1-of-3 --progress lines --set a=b`)
      mkdirSync(join(root, 'shard-1-of-3'))
      writeFileSync(join(root, 'shard-1-of-3', 'progress.json'), '{}')
      expect(run()).toBe(`plaf run p.yaml --shard 1/3 --shard-chunk 25 --out ${root}/shard-1-of-3 --progress lines --resume --set a=b`)
      // scenes: --resume always (a finished scene is skipped, one not started runs from frame 0)
      const scenes = execFileSync('bash', [join(DEPLOY, 'slurm', 'plaf-scenes.sbatch'), 'p.yaml', 'list.txt', root], { encoding: 'utf8', env }).trim()
      expect(scenes).toBe(`plaf run p.yaml --scenes list.txt --shard 1/3 --out ${root} --progress lines --resume`)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
    for (const s of ['plaf-shards.sbatch', 'plaf-scenes.sbatch']) {
      const text = readFileSync(join(DEPLOY, 'slurm', s), 'utf8')
      // B: signals the batch shell, which plaf replaced (exec): no srun step to receive it otherwise
      expect(text, s).toMatch(/^#SBATCH --signal=B:TERM@\d+$/m)
      expect(text, s).toMatch(/^exec \$PLAF run /m)
    }
  })

  it('the merge script passes every shard directory to plaf merge', () => {
    // run it with a stand-in for plaf that prints its arguments
    const out = execFileSync('bash', [join(DEPLOY, 'slurm', 'plaf-merge.sbatch'), '/r', '3'], { encoding: 'utf8', env: { ...process.env, PLAF: 'echo plaf' } })
    expect(out.trim()).toBe('plaf merge /r/shard-0-of-3 /r/shard-1-of-3 /r/shard-2-of-3 --out /r/merged')
  })

  it('the Kubernetes Jobs are valid batch/v1 Jobs for the fields they use, and the shard job is Indexed with matching counts', () => {
    const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(jobSchema)
    const files = readdirSync(join(DEPLOY, 'kubernetes')).filter((f) => f.endsWith('.yaml')).sort()
    expect(files).toEqual(['plaf-merge-job.yaml', 'plaf-shards-job.yaml'])
    const jobs: Record<string, Job> = {}
    for (const f of files) {
      const docs = parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', f), 'utf8'))
      expect(docs).toHaveLength(1)
      expect(docs[0].errors).toEqual([])
      const job = docs[0].toJS()
      expect(validate(job) ? [] : validate.errors, f).toEqual([])
      jobs[f] = job as Job
    }
    const shards = jobs['plaf-shards-job.yaml'].spec
    expect(shards.completionMode).toBe('Indexed')
    expect(shards.parallelism).toBe(shards.completions)
    const n = shards.completions
    const args = shards.template.spec.containers[0].args.join(' ')
    // ${...} is left to the shell; Kubernetes itself would expand $(JOB_COMPLETION_INDEX)
    expect(args).toContain(`--shard \${JOB_COMPLETION_INDEX}/${n}`)
    const merge = jobs['plaf-merge-job.yaml'].spec.template.spec.containers[0].args.join(' ')
    for (let i = 0; i < n; i++) expect(merge).toContain(`shard-${i}-of-${n}`)
    expect(merge).not.toContain(`shard-${n}-of-${n}`)
    expect(args).toContain(`shard-\${JOB_COMPLETION_INDEX}-of-${n}`)
    // plaf is PID 1 (exec) and gets SIGTERM with time to finish its frame
    expect(args).toMatch(/exec plaf run /)
    expect((shards.template.spec as unknown as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60)
    // the pod template's labels carry the job's
    for (const j of Object.values(jobs)) expect(j.spec.template.metadata?.labels).toEqual(j.metadata.labels)
  })

  it('the schema rejects what a Job may not be', () => {
    const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(jobSchema)
    const job = parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', 'plaf-shards-job.yaml'), 'utf8'))[0].toJS()
    const broken = (edit: (j: Job & Record<string, unknown>) => void) => {
      const j = structuredClone(job)
      edit(j)
      return validate(j)
    }
    expect(broken((j) => void (j.spec.template.spec.restartPolicy = 'Always'))).toBe(false)
    expect(broken((j) => void (j.spec.completionMode = 'indexed'))).toBe(false)
    expect(broken((j) => void delete j.spec.completionMode)).toBe(false)
    expect(broken((j) => void ((j.spec as unknown as Record<string, unknown>).completion = 8))).toBe(false)
  })
})
