// No Docker engine runs here, so check what can be checked: what the Dockerfile copies exists, the command it runs is
// the package's real start script, the build produces that entry point, and the runtime settings are the documented ones.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lines = dockerfile.split('\n').filter((l) => !l.trim().startsWith('#'));

describe('Dockerfile', () => {
  it('copies only files that exist in the build context (those .dockerignore does not exclude)', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const copies = lines.filter((l) => /^COPY (?!--from)/.test(l.trim()));
    assert.ok(copies.length >= 3);
    for (const line of copies) {
      const sources = line.trim().split(/\s+/).slice(1, -1);
      for (const src of sources) {
        assert.ok(existsSync(src), `COPY ${src}: no such file`);
        assert.ok(!ignored.includes(src), `COPY ${src}: excluded by .dockerignore`);
      }
    }
  });

  it('builds on the Node major that npm scripts run on here (the `node` dev dependency), and this test runs on it', () => {
    const image = dockerfile.match(/^FROM node:(\d+)-/m);
    assert.ok(image, 'the build stage is FROM node:<major>-…');
    assert.equal(pkg.devDependencies.node.split('.')[0], image[1]);
    assert.equal(process.versions.node.split('.')[0], image[1], `npm test ran on Node ${process.versions.node}, not node_modules/.bin/node`);
  });

  it('runs the same entry point as npm start, and the build emits it', () => {
    const cmd = JSON.parse(dockerfile.match(/^CMD (\[.*\])$/m)![1]).join(' ');
    assert.equal(cmd, pkg.scripts.start);
    const tsconfig = JSON.parse(readFileSync('tsconfig.build.json', 'utf8'));
    assert.equal(tsconfig.compilerOptions.outDir, 'dist');
    assert.equal(tsconfig.compilerOptions.rootDir, 'src');
    assert.ok(existsSync(cmd.split(' ')[1].replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')), 'the entry point has a source');
    assert.equal(pkg.scripts.prepare, 'npm run build', 'npm ci in the build stage compiles TypeScript');
  });

  it('installs the CUDA provider, checks it landed, and runs as a non-root user with EP auto', () => {
    assert.match(dockerfile, /ENV ONNXRUNTIME_NODE_INSTALL=cuda12/);
    // npm >= 11 skips the download (allowScripts denies it, for machines without NuGet): the build runs it itself.
    assert.equal(pkg.allowScripts['onnxruntime-node'], false);
    assert.match(dockerfile, /node node_modules\/onnxruntime-node\/script\/install/);
    assert.ok(existsSync('node_modules/onnxruntime-node/script/install.js'), 'the install script the Dockerfile runs exists');
    assert.match(dockerfile, /test -f node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/libonnxruntime_providers_cuda\.so/);
    assert.match(dockerfile, /nvidia\/cuda:13[.\d]*-cudnn-runtime-ubuntu24\.04/);
    assert.match(dockerfile, /^USER (?!root)\w+/m);
    assert.match(dockerfile, /EXECUTION_PROVIDER=auto/);
    assert.match(dockerfile, /HEALTHCHECK[\s\S]*\/health/);
    const port = dockerfile.match(/^EXPOSE (\d+)/m)![1];
    assert.match(dockerfile, new RegExp(`PORT=${port}`));
  });

  it('the runtime stage has everything the service reads at run time', () => {
    // What src/server reads from the package root: the model, the contract, the page and the gRPC service definitions.
    for (const needed of ['models', 'openapi.yaml', 'public', 'package.json', 'proto']) {
      assert.ok(lines.some((l) => /^COPY /.test(l) && l.includes(needed)), `runtime stage copies ${needed}`);
    }
    assert.ok(existsSync('models/lenet.onnx'), 'the committed model exists');
  });
});
