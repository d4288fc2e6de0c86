// What an image holds under /app, listed from inside it (by the image's own node), and judged against package.json
// and package-lock.json: only the runtime files, only production packages, no repository, test or checkpoint. Shared by
// npm run image:test and test/dockerfile.test.ts.

/** Runs inside the image: prints {top, packages: {path: bytes}, forbidden} as JSON. Plain JavaScript, no imports. */
export const LIST_APP = String.raw`
const fs = require('fs'), path = require('path');
const size = (p) => { const s = fs.lstatSync(p); if (!s.isDirectory()) return s.size;
  return fs.readdirSync(p).reduce((t, e) => t + (e === 'node_modules' ? 0 : size(path.join(p, e))), 0); };
const packages = {}, forbidden = [];
const walk = (dir) => { for (const e of fs.readdirSync(dir)) {
  if (e.startsWith('.')) continue;
  const p = path.join(dir, e);
  for (const pkg of e.startsWith('@') ? fs.readdirSync(p).map((s) => path.join(p, s)) : [p]) {
    if (!fs.existsSync(path.join(pkg, 'package.json'))) continue;
    packages[path.relative('/app', pkg)] = size(pkg);
    if (fs.existsSync(path.join(pkg, 'node_modules'))) walk(path.join(pkg, 'node_modules'));
  } } };
const scan = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
  const p = path.join(dir, e.name);
  if (e.name === '.git' || /\.ckpt\.json$/.test(e.name)) forbidden.push(p);
  else if (e.isDirectory()) scan(p); } };
walk('/app/node_modules'); scan('/app');
console.log(JSON.stringify({ top: fs.readdirSync('/app').sort(), packages, forbidden }));
`;

export interface Listing {
  top: string[];
  packages: Record<string, number>;
  forbidden: string[];
}

interface PackageJson {
  dependencies: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
}

/** What /app must hold, exactly: the Dockerfile's runtime COPYs. */
export const APP_TOP = ['dist', 'models', 'node_modules', 'openapi.yaml', 'package.json', 'proto', 'public'];

/** The problems with a listing, each one line (empty: the image holds what it should). A package is a dev dependency
 * when the lock says only dev dependencies need it (a devDependency that a dependency also needs, like ajv, is not). */
export function contentProblems(listing: Listing, pkg: PackageJson, lock: { packages: Record<string, LockEntry> }): string[] {
  const problems: string[] = [];
  const extra = listing.top.filter((e) => !APP_TOP.includes(e));
  const missing = APP_TOP.filter((e) => !listing.top.includes(e));
  if (extra.length) problems.push(`/app holds ${extra.join(', ')} (only ${APP_TOP.join(', ')} belong there)`);
  if (missing.length) problems.push(`/app lacks ${missing.join(', ')}`);
  if (listing.forbidden.length) problems.push(`the image holds a repository or checkpoint: ${listing.forbidden.join(', ')}`);
  const present = Object.keys(listing.packages);
  const dev = present.filter((p) => lock.packages[p]?.dev);
  const unknown = present.filter((p) => !lock.packages[p]);
  const absent = Object.keys(pkg.dependencies).filter((name) => !present.includes(`node_modules/${name}`));
  if (dev.length) problems.push(`dev dependencies in the image: ${dev.join(', ')}`);
  if (unknown.length) problems.push(`packages package-lock.json does not have: ${unknown.join(', ')}`);
  if (absent.length) problems.push(`dependencies missing from the image: ${absent.join(', ')}`);
  return problems;
}

/** The largest packages, `name size` in MB, for the log. */
export function largest(listing: Listing, n: number): string {
  return Object.entries(listing.packages)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([p, bytes]) => `${p.replace(/^node_modules\//, '')} ${(bytes / 1e6).toFixed(1)}`)
    .join(', ');
}
