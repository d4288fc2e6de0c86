// The image itself is built, run and checked by `npm run image:test` (scripts/image-test.ts, a step of .ci/run). These
// are the checks that need no container tools: the rules a build would only break on a machine that has them (an ARG
// out of scope, a COPY of something the context leaves out), and the agreements between the Dockerfile, package.json and
// the Kubernetes manifests.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { APP_TOP, contentProblems, type Listing } from '../harness/image-contents.js';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
// Instructions, with continuation lines joined and comments dropped.
const lines = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'));

/** Docker's .dockerignore: the last pattern that matches a path (or a folder above it) decides; `!` lets it back in. */
function inContext(file: string): boolean {
  const patterns = readFileSync('.dockerignore', 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const part = (t: string) => ({ '**/': '(?:.*/)?', '*': '[^/]*', '?': '[^/]' })[t] ?? t.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  const toRegExp = (glob: string) =>
    new RegExp(
      `^${glob
        .split(/(\*\*\/|\*|\?)/)
        .map(part)
        .join('')}(?:/.*)?$`,
    );
  let included = true;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (toRegExp(negated ? p.slice(1) : p).test(file)) included = negated;
  }
  return included;
}

describe('Dockerfile', () => {
  it('declares every build argument a FROM line uses before the first FROM (else the stage has no base)', () => {
    const first = lines.findIndex((l) => /^FROM\s/i.test(l));
    const global = new Set(
      lines
        .slice(0, first)
        .map((l) => l.match(/^ARG\s+(\w+)/)?.[1])
        .filter(Boolean),
    );
    const used = lines.filter((l) => /^FROM\s/i.test(l)).flatMap((l) => [...l.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]));
    assert.ok(used.length > 0);
    for (const arg of used) assert.ok(global.has(arg), `FROM uses ${arg}, which is not declared before the first FROM`);
    assert.match(dockerfile, /^ARG VARIANT=gpu$/m, 'the default build is the GPU image');
  });

  it('copies only what the build context holds, and the context leaves out what no image should hold', () => {
    const copies = lines.filter((l) => /^COPY\s/.test(l) && !l.includes('--from'));
    assert.ok(copies.length >= 3);
    for (const line of copies) {
      for (const src of line
        .split(/\s+/)
        .slice(1, -1)
        .filter((w) => !w.startsWith('--'))) {
        assert.ok(existsSync(src), `COPY ${src}: no such file`);
        assert.ok(inContext(src), `COPY ${src}: .dockerignore leaves it out of the context`);
      }
    }
    for (const kept of ['package.json', 'src/server/main.ts', 'models/lenet.onnx', 'public/index.html']) assert.ok(inContext(kept), kept);
    const left = ['node_modules/fastify/package.json', 'dist/server/main.js', '.git/HEAD', 'test/dockerfile.test.ts', 'harness/cpu.ts'];
    left.push('scripts/image-test.ts', '.npmrc', '.env', 'models/lenet.ckpt.json', 'checkpoints/a.json', 'models/lenet.onnx.tmp');
    for (const file of left) {
      assert.ok(!inContext(file), `${file} is in the build context`);
    }
  });

  it('builds on the Node major that npm scripts run on here (the `node` dev dependency), and this test runs on it', () => {
    const image = dockerfile.match(/^FROM node:(\d+)-\S+ AS build$/m);
    assert.ok(image, 'the build stage is FROM node:<major>-… AS build');
    assert.equal(pkg.devDependencies.node.split('.')[0], image[1]);
    assert.equal(process.versions.node.split('.')[0], image[1], `npm test ran on Node ${process.versions.node}, not the package's`);
  });

  it("runs the same entry point as npm start, and builds it with the package's build script", () => {
    const cmd = JSON.parse(dockerfile.match(/^CMD (\[.*\])$/m)![1]).join(' ');
    assert.equal(cmd, pkg.scripts.start);
    const tsconfig = JSON.parse(readFileSync('tsconfig.build.json', 'utf8'));
    assert.equal(tsconfig.compilerOptions.outDir, 'dist');
    assert.equal(tsconfig.compilerOptions.rootDir, 'src');
    assert.ok(
      existsSync(
        cmd
          .split(' ')[1]
          .replace(/^dist\//, 'src/')
          .replace(/\.js$/, '.ts'),
      ),
      'the entry point has a source',
    );
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const [install, copySrc, build] = [at(/^RUN npm ci --ignore-scripts\b/), at(/^COPY src /), at(/npm run build;/)];
    assert.ok(install >= 0 && build >= 0, 'install scripts are off, so the build runs by name');
    assert.ok(install < copySrc && copySrc < build, 'dependencies before src/: their layer survives a change to it');
  });

  it('the GPU flavour fetches the CUDA provider and fails when it did not land; the CPU flavour does not fetch it', () => {
    const gpu = dockerfile.match(/if \[ "\$VARIANT" = gpu \]; then(.*?)fi;/s)?.[1];
    assert.ok(gpu, 'a step only the GPU flavour runs');
    assert.match(gpu, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install/);
    assert.match(gpu, /test -f "\$ORT_BIN\/libonnxruntime_providers_cuda\.so".*?exit 1/s);
    assert.equal(dockerfile.match(/ONNXRUNTIME_NODE_INSTALL=cuda12/g)?.length, 1, 'nothing else fetches it');
    assert.ok(existsSync('node_modules/onnxruntime-node/script/install.js'), 'the install script the Dockerfile runs exists');
    assert.equal(pkg.allowScripts['onnxruntime-node'], false, 'outside Docker, npm ci does not try NuGet either');
    assert.match(dockerfile, /^ARG CUDA_IMAGE=nvidia\/cuda:13[.\d]*-cudnn-runtime-ubuntu24\.04$/m);
  });

  it('runs as the non-root uid and gid the Kubernetes manifests name, with EP auto, a healthcheck on $PORT and the port it exposes', () => {
    const deployment = readFileSync('deploy/k8s/base/deployment.yaml', 'utf8');
    const [uid, gid] = [deployment.match(/runAsUser: (\d+)/)![1], deployment.match(/runAsGroup: (\d+)/)![1]];
    assert.match(dockerfile, new RegExp(`^USER ${uid}:${gid}$`, 'm'), 'a numeric USER, so runAsNonRoot can verify it');
    assert.notEqual(uid, '0');
    assert.match(dockerfile, /EXECUTION_PROVIDER=auto/);
    assert.match(dockerfile, /^HEALTHCHECK .*\n\s+CMD \[.*process\.env\.PORT.*\/health/m);
    const port = dockerfile.match(/^EXPOSE (\d+)/m)![1];
    assert.match(dockerfile, new RegExp(`PORT=${port}\\b`));
  });

  it('the runtime stage has everything the service reads at run time', () => {
    // What src/server reads from the package root (the model, the contract, the page, the gRPC service definitions),
    // and the build's output with its dependencies.
    for (const needed of ['models', 'openapi.yaml', 'public', 'package.json', 'proto', 'dist', 'node_modules']) {
      assert.ok(
        lines.some((l) => /^COPY /.test(l) && l.includes(needed)),
        `runtime stage copies ${needed}`,
      );
      assert.ok(APP_TOP.includes(needed), `image-test expects ${needed} in /app`);
    }
    assert.ok(existsSync('models/lenet.onnx'), 'the committed model exists');
  });
});

describe('image-test: what /app may hold', () => {
  const clean: Listing = {
    top: [...APP_TOP],
    packages: Object.fromEntries(Object.keys(pkg.dependencies).map((n) => [`node_modules/${n}`, 1])),
    forbidden: [],
  };

  it('passes the production dependencies, including one that is also a devDependency (ajv, for fastify)', () => {
    assert.ok(pkg.devDependencies.ajv && !lock.packages['node_modules/ajv'].dev);
    assert.deepEqual(contentProblems({ ...clean, packages: { ...clean.packages, 'node_modules/ajv': 1 } }, pkg, lock), []);
  });

  it('names a dev dependency, a package the lock does not have, a missing dependency, a stray file and a checkpoint', () => {
    const withoutFastify = Object.fromEntries(Object.entries(clean.packages).filter(([p]) => p !== 'node_modules/fastify'));
    const problems = contentProblems(
      {
        top: [...APP_TOP, 'test', '.git'],
        packages: { ...withoutFastify, 'node_modules/typescript': 1, 'node_modules/left-pad': 1 },
        forbidden: ['/app/models/lenet.ckpt.json'],
      },
      pkg,
      lock,
    ).join('\n');
    const expected = ['test, .git', 'lenet.ckpt.json', 'dev dependencies in the image: node_modules/typescript', 'node_modules/left-pad'];
    for (const named of [...expected, 'missing from the image: fastify']) {
      assert.ok(problems.includes(named), `${named} in:\n${problems}`);
    }
  });
});
