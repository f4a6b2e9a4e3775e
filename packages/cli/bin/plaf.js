#!/usr/bin/env node
// Runs the built CLI (Node 20 cannot run TypeScript sources; `npm ci` builds dist/ in `prepare`).
import { main } from '../dist/main.js'

process.exitCode = await main(process.argv.slice(2))
