/**
 * Weight downloads against HTTP servers on 127.0.0.1 (no test touches the network): caching, SHA-256 checks
 * (full digest and torchvision's file-name prefix), HTTP errors, a connection that breaks mid-file, and the
 * synchronous path a model builder takes with a registry entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import { hub } from '../../src/index.js';
import * as models from '../../src/models/index.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251));
const prefix = sha256(payload).slice(0, 8);

/** Serves the payload under two names, a 404, and a response that announces more bytes than it sends. */
async function withServer(fn: (base: string, hits: () => number) => Promise<void>): Promise<void> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (req.url === `/models/weights-${prefix}.pth` || req.url === '/models/weights-00000000.pth' || req.url === '/models/plain.bin') {
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    } else if (req.url === '/models/broken-12345678.pth') {
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, 1000), () => res.destroy());
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await fn(`http://127.0.0.1:${port}/models`, () => hits);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('downloads into the cache folder once, checking the hash prefix in the file name', async () => {
  await withServer(async (base, hits) => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-'));
    const path = await hub.cachedFileAsync(`${base}/weights-${prefix}.pth`, { modelDir: dir, progress: false });
    assert.equal(path, join(dir, `weights-${prefix}.pth`));
    assert.deepEqual(readFileSync(path), payload);
    assert.equal(hits(), 1);
    await hub.cachedFileAsync(`${base}/weights-${prefix}.pth`, { modelDir: dir, progress: false });
    assert.equal(hits(), 1, 'the second call is served from the cache');
    // A full digest is checked too.
    await hub.cachedFileAsync(`${base}/plain.bin`, { modelDir: dir, progress: false, sha256: sha256(payload) });
    assert.deepEqual(readFileSync(join(dir, 'plain.bin')), payload);
  });
});

test('a wrong hash, an HTTP error or a broken connection leaves nothing in the cache', async () => {
  await withServer(async (base) => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-'));
    const opts = { modelDir: dir, progress: false };
    await assert.rejects(hub.cachedFileAsync(`${base}/weights-00000000.pth`, opts),
      (e: unknown) => e instanceof hub.HubError && e.code === 'HashMismatch' && /invalid hash value \(expected "00000000", got "[0-9a-f]{64}"\)/.test(e.message));
    await assert.rejects(hub.cachedFileAsync(`${base}/plain.bin`, { ...opts, sha256: 'ab'.repeat(32) }),
      (e: unknown) => e instanceof hub.HubError && e.code === 'HashMismatch');
    await assert.rejects(hub.cachedFileAsync(`${base}/missing-12345678.pth`, opts),
      (e: unknown) => e instanceof hub.HubError && e.code === 'HttpError' && /HTTP 404 Not Found/.test(e.message));
    await assert.rejects(hub.cachedFileAsync(`${base}/broken-12345678.pth`, opts),
      (e: unknown) => e instanceof hub.HubError && (e.code === 'NetworkError' || e.code === 'SizeMismatch'));
    await assert.rejects(hub.cachedFileAsync('file:///etc/passwd', opts), (e: unknown) => e instanceof hub.HubError && e.code === 'InvalidUrl');
    assert.deepEqual(readdirSync(dir), [], 'no file and no temporary file left behind');
  });
});

test('a registry-style entry downloads synchronously and loads into the model builder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-serve-'));
  const cache = mkdtempSync(join(tmpdir(), 'hub-cache-'));
  torch.manualSeed(0);
  const source = models.resnet18({ numClasses: 3 });
  const file = join(dir, 'source.pth');
  torch.save(source.stateDict(), file);
  const bytes = readFileSync(file);
  const name = `resnet18-${sha256(bytes).slice(0, 8)}.pth`;
  writeFileSync(join(dir, name), bytes);
  // The builder blocks this thread while it waits for the download, so the server runs in another process.
  const serverScript = join(dir, 'server.mjs');
  writeFileSync(serverScript, `import http from 'node:http'; import fs from 'node:fs'; import path from 'node:path';
const s = http.createServer((req, res) => { const p = path.join(process.argv[2], path.basename(req.url));
  if (!fs.existsSync(p)) { res.writeHead(404); res.end(); return; }
  const b = fs.readFileSync(p); res.writeHead(200, { 'content-length': b.length }); res.end(b); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`);
  const server = spawn(process.execPath, [serverScript, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve) => server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    const entry: models.WeightsEntry = {
      ...models.ResNet18_Weights.IMAGENET1K_V1, name: 'test entry', url: `http://127.0.0.1:${port}/${name}`,
      transforms: models.ResNet18_Weights.IMAGENET1K_V1.transforms,
    };
    hub.setDir(cache);
    const m = models.resnet18({ numClasses: 3, weights: entry });
    assert.deepEqual(m.fc.weight.tolist(), source.fc.weight.tolist());
    assert.deepEqual(readdirSync(join(cache, 'checkpoints')), [name]);
    const bad: models.WeightsEntry = { ...entry, url: `http://127.0.0.1:${port}/resnet18-00000000.pth` };
    writeFileSync(join(dir, 'resnet18-00000000.pth'), bytes);
    assert.throws(() => models.resnet18({ numClasses: 3, weights: bad }), (e: unknown) => e instanceof hub.HubError && e.code === 'HashMismatch');
    assert.deepEqual(readdirSync(join(cache, 'checkpoints')), [name]);
  } finally {
    server.kill();
  }
});

test('the registry knows torchvision\'s entries, their preprocessing and categories', () => {
  const w = models.ResNet50_Weights;
  assert.equal(w.DEFAULT, w.IMAGENET1K_V2);
  assert.equal(w.IMAGENET1K_V1.url, 'https://download.pytorch.org/models/resnet50-0676ba61.pth');
  assert.equal(hub.hashPrefixOf('resnet50-0676ba61.pth'), '0676ba61');
  assert.deepEqual(w.IMAGENET1K_V2.preprocessing, { cropSize: 224, resizeSize: 232, interpolation: 'bilinear' });
  assert.equal(w.IMAGENET1K_V2.transforms().resizeSize, 232);
  assert.equal(w.IMAGENET1K_V1.meta.categories.length, 1000);
  assert.equal(w.IMAGENET1K_V1.meta.categories[0], 'tench');
  assert.equal(models.EfficientNet_B7_Weights.DEFAULT.preprocessing.cropSize, 600);
  assert.equal(models.EfficientNet_B0_Weights.DEFAULT.transforms().interpolation, 'bicubic');
});
