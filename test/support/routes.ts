import type { Express } from 'express'

export interface RouteInfo {
  method: string
  path: string
}

interface Layer {
  rawPath?: string
  route?: { path: string; methods: Record<string, boolean> }
  handle: { stack?: Layer[] }
}

/** Every route the app mounts (method and full path), read from Express's router, so new routes are covered by default. */
export function listRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = []
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: prefix + layer.route.path })
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : ''))
      }
    }
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '')
  return out
}

/** A concrete URL for a route pattern, with every parameter replaced by the given value. */
export function fillPath(path: string, value: string | number): string {
  return path.replace(/:(\w+)/g, String(value))
}
