import { pushFolder } from '../server/integrations/onec/push.js'

/*
 * `npm run onec -- push <folder> --url <exchange URL> --user <name> --password <password>`: plays the 1C side of the catalog
 * exchange against a portal (see server/integrations/onec/push.ts). Prints one line per step; exits 1 on failure.
 */
const USAGE = 'usage: npm run onec -- push <folder> --url https://portal/1c/exchange --user <name> --password <password>'

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}

const [command, folder, ...rest] = process.argv.slice(2)
const url = flag(rest, 'url')
const user = flag(rest, 'user')
const password = flag(rest, 'password')
if (command !== 'push' || !folder || !url || !user || password === undefined) {
  process.stderr.write(`${USAGE}\n`)
  process.exit(2)
}
try {
  const t0 = Date.now()
  const r = await pushFolder({ url, user, password, folder, log: (l) => process.stdout.write(`${l}\n`) })
  process.stdout.write(`done: ${r.files.length} files, ${r.calls} import calls, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
} catch (err) {
  process.stderr.write(`failed: ${(err as Error).message}\n`)
  process.exit(1)
}
