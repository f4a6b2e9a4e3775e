import { readFileSync } from 'node:fs'

/** Version of the plaf tool (the CLI package). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
