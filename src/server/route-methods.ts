// Which methods each route URL answers, so that a request for a URL that exists under another method gets 405 with
// Allow rather than 404. Wildcard routes (the page's static files, /v2's catch-all) do not make every path a route.
export class RouteMethods {
  readonly #routes: Array<{ url: RegExp; methods: Set<string> }> = [];

  add(url: string, methods: string | string[]): void {
    if (url.includes('*')) return;
    const pattern = new RegExp(`^${url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}$`);
    let route = this.#routes.find((r) => r.url.source === pattern.source);
    if (!route) this.#routes.push((route = { url: pattern, methods: new Set() }));
    for (const m of [methods].flat()) route.methods.add(m.toUpperCase());
    if (route.methods.has('GET')) route.methods.add('HEAD');
  }

  /** The methods a path answers, sorted; none for a path that is no route. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const { url, methods: ms } of this.#routes) if (url.test(path)) ms.forEach((m) => methods.add(m));
    return [...methods].sort();
  }
}
