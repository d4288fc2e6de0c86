// Stand-ins for the Dockerfile's base images on a machine that cannot pull from Docker Hub: a Debian minbase made by
// debootstrap from the machine's own apt mirror, tagged as the Debian base, and that plus the Node binary npm scripts
// run on (the `node` dev dependency) and npm, tagged as the Node base. A base that is already in the local store and
// is not one of ours (pulled from a registry) is used as it is. The stand-ins are kept between runs: the rootfs and
// npm tarballs under the cache directory, the images in the container store.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageTestError, log, must, mustPodman, podman } from './exec.js';

export const CACHE_DIR = process.env.LENET_IMAGE_CACHE ?? '/var/cache/lenet-image';
const LABEL = 'org.lenet-service.stand-in';
/** The npm that node:22 images ship (Node 22's bundled npm is 10.x). */
const NPM_SPEC = 'npm@10';

/** `node:22-bookworm-slim` → `docker.io/library/node:22-bookworm-slim`, the name a Dockerfile's FROM resolves to. */
export function qualified(image: string): string {
  const first = image.split('/')[0];
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return image;
  return `docker.io/${image.includes('/') ? image : `library/${image}`}`;
}

/** The Debian suite a base's tag names: `22-bookworm-slim` → `bookworm`. */
export function suiteOf(image: string): string {
  const suite = image.split(':')[1]?.match(/(?:^|-)([a-z]+)(?:-slim)?$/)?.[1];
  if (!suite) throw new ImageTestError(`cannot tell the Debian suite of the base image ${image}`);
  return suite;
}

/** The label of an image in the local store: undefined when there is no such image, '' when it has no such label. */
async function labelOf(image: string): Promise<string | undefined> {
  const r = await podman(['image', 'inspect', '--format', `{{index .Config.Labels "${LABEL}"}}`, image]);
  if (r.code !== 0) return undefined;
  const value = r.stdout.trim();
  return value === '<no value>' ? '' : value;
}

/** The mirror the machine's apt uses (deb822 or one-line sources), so debootstrap goes where apt can go. */
function aptMirror(): string {
  const files = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'].filter(existsSync);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const url = text.match(/^URIs:\s*(\S+\/debian)\/?\s*$/m)?.[1] ?? text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m)?.[1];
    if (url) return url;
  }
  return 'http://deb.debian.org/debian';
}

/** A Debian minbase rootfs, slimmed as Debian's -slim images are (no docs, man pages, locales, apt lists or caches). */
async function rootfsTarball(suite: string): Promise<string> {
  const tarball = path.join(CACHE_DIR, `debian-${suite}-minbase.tar`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(CACHE_DIR, { recursive: true });
  const dir = path.join(CACHE_DIR, `rootfs-${suite}.${process.pid}`);
  const mirror = aptMirror();
  log(`making a Debian ${suite} minbase with debootstrap from ${mirror} (once; kept in ${CACHE_DIR})`);
  try {
    await must('debootstrap', 'debootstrap', ['--variant=minbase', suite, dir, mirror], { nice: true });
    for (const sub of ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale']) {
      rmSync(path.join(dir, sub), { recursive: true, force: true });
      mkdirSync(path.join(dir, sub), { recursive: true });
    }
    mkdirSync(path.join(dir, 'var/cache/apt/archives/partial'), { recursive: true });
    mkdirSync(path.join(dir, 'var/lib/apt/lists/partial'), { recursive: true });
    await must('packing the rootfs', 'tar', ['-C', dir, '--numeric-owner', '-cf', `${tarball}.tmp`, '.'], { nice: true });
    renameSync(`${tarball}.tmp`, tarball);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${tarball}.tmp`, { force: true });
  }
  return tarball;
}

/** npm's own package, fetched once with npm (the registry is reachable where `npm ci` is). */
async function npmTarball(): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const cached = readdirSync(CACHE_DIR).filter((f) => /^npm-\d+\.\d+\.\d+\.tgz$/.test(f));
  if (cached.length > 0) return path.join(CACHE_DIR, cached.sort().at(-1)!);
  const name = await must(`npm pack ${NPM_SPEC}`, 'npm', ['pack', NPM_SPEC, '--pack-destination', CACHE_DIR, '--silent']);
  return path.join(CACHE_DIR, name.split('\n').at(-1)!);
}

async function debianStandIn(image: string): Promise<void> {
  const suite = suiteOf(image);
  const want = `debian-${suite}-minbase`;
  const label = await labelOf(image);
  if (label === '') return log(`${image} is in the local store (not a stand-in): using it`);
  if (label === want) return;
  const tarball = await rootfsTarball(suite);
  await mustPodman(`importing ${image}`, [
    'import',
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--change',
    'CMD ["bash"]',
    '--change',
    `LABEL ${LABEL}=${want}`,
    tarball,
    image,
  ]);
  log(`stand-in ${image} made from ${path.basename(tarball)}`);
}

/** The Node base: the Debian stand-in, this process's own Node binary, npm, and the machine's CA bundle (downloads here
 * pass a proxy whose CA only that bundle has; the Dockerfile itself stays as users build it). */
async function nodeStandIn(image: string, debian: string): Promise<void> {
  const major = image.split(':')[1].match(/^(\d+)-/)?.[1];
  if (major !== process.versions.node.split('.')[0]) {
    throw new ImageTestError(`the Dockerfile builds on ${image} but this is Node ${process.versions.node}: run it with npm run image:test`);
  }
  const npm = await npmTarball();
  const want = `node-${process.versions.node}+${path.basename(npm, '.tgz')}`;
  const label = await labelOf(image);
  if (label === '') return log(`${image} is in the local store (not a stand-in): using it`);
  if (label === want) return;
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  const context = path.join(os.tmpdir(), `lenet-node-base.${process.pid}`);
  mkdirSync(context, { recursive: true });
  try {
    copyFileSync(process.execPath, path.join(context, 'node'));
    copyFileSync(npm, path.join(context, 'npm.tgz'));
    if (existsSync(ca)) copyFileSync(ca, path.join(context, 'ca.crt'));
    else writeFileSync(path.join(context, 'ca.crt'), '');
    writeFileSync(
      path.join(context, 'Containerfile'),
      [
        `FROM ${debian}`,
        'COPY node /usr/local/bin/node',
        'ADD npm.tgz /usr/local/lib/node_modules/',
        'COPY ca.crt /usr/local/share/stand-in-ca.crt',
        'RUN mv /usr/local/lib/node_modules/package /usr/local/lib/node_modules/npm' +
          ' && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm' +
          ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version',
        'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in-ca.crt',
        `LABEL ${LABEL}=${want}`,
        'CMD ["node"]',
        '',
      ].join('\n'),
    );
    const args = ['bud', '--isolation', 'chroot', '--pull=never', '--format', 'docker', '-t', image, context];
    await must(`building the stand-in ${image}`, 'buildah', args, { nice: true });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  log(`stand-in ${image} made (Node ${process.versions.node}, ${path.basename(npm, '.tgz')})`);
}

/** Makes sure the bases that `buildah bud --pull=never` needs for the CPU flavour are in the local store. */
export async function ensureBases({ nodeImage, cpuImage }: { nodeImage: string; cpuImage: string }): Promise<void> {
  if (suiteOf(nodeImage) !== suiteOf(cpuImage)) throw new ImageTestError(`the bases ${nodeImage} and ${cpuImage} are on different Debians`);
  await debianStandIn(qualified(cpuImage));
  await nodeStandIn(qualified(nodeImage), qualified(cpuImage));
}
