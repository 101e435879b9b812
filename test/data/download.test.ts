import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ChecksumError, DownloadError, datasets, download } from '../../src/data/index.js';
import { fixturePath } from '../helpers.js';
import { startFixtureServer } from './fixture_server.js';

const SERVED = fixturePath('data/mnist');
const FILE = 't10k-labels-idx1-ubyte.gz';
const bytes = readFileSync(join(SERVED, FILE));
const sha256 = createHash('sha256').update(bytes).digest('hex');
const md5 = createHash('md5').update(bytes).digest('hex');

let server: Server;
let base = '';
let dir = '';
before(async () => {
  ({ server, base } = await startFixtureServer(SERVED));
  dir = mkdtempSync(join(tmpdir(), 'antorcha-download-'));
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes('.part'));

test('download verifies SHA-256 or MD5 and writes the file atomically into the cache', async () => {
  const dest = join(dir, 'cache', 'a', FILE);
  await download.download(base + FILE, dest, { sha256, progress: false });
  assert.deepEqual(readFileSync(dest), bytes);
  const viaRedirect = join(dir, 'cache', 'b.gz');
  await download.download(`${base}redirect/${FILE}`, viaRedirect, { md5, progress: false });
  assert.deepEqual(readFileSync(viaRedirect), bytes);
  assert.ok(download.checkFile(viaRedirect, { md5 }));
  assert.deepEqual(leftovers(join(dir, 'cache')), []);
});

test('a checksum mismatch leaves neither the file nor a temporary file', async () => {
  const dest = join(dir, 'bad.gz');
  const wrong = '0'.repeat(64);
  await assert.rejects(download.download(base + FILE, dest, { sha256: wrong, progress: false }), (e: unknown) => {
    assert.ok(e instanceof ChecksumError);
    assert.equal(e.expected, wrong);
    assert.equal(e.actual, sha256);
    assert.match(e.message, new RegExp(`sha256 mismatch: expected 0{64}, got ${sha256}`));
    return true;
  });
  assert.equal(existsSync(dest), false);
  assert.deepEqual(leftovers(dir), []);
  // An existing file is not replaced by a bad download.
  writeFileSync(dest, 'previous');
  await assert.rejects(download.download(base + FILE, dest, { md5: 'f'.repeat(32), progress: false }), ChecksumError);
  assert.equal(readFileSync(dest, 'utf8'), 'previous');
});

test('HTTP errors, truncated bodies and bad URLs are DownloadErrors; mirrors are tried in order', async () => {
  await assert.rejects(download.download(`${base}missing.gz`, join(dir, 'm.gz'), { progress: false }), /HTTP 404/);
  await assert.rejects(download.download(`${base}truncated/${FILE}`, join(dir, 't.gz'), { progress: false }), (e: unknown) => e instanceof DownloadError);
  await assert.rejects(download.download('ftp://127.0.0.1/x', join(dir, 'f.gz'), { progress: false }), /unsupported protocol/);
  assert.equal(existsSync(join(dir, 't.gz')), false);
  assert.deepEqual(leftovers(dir), []);
  const dest = join(dir, 'mirrored.gz');
  await download.downloadFromMirrors([`${base}missing.gz`, base + FILE], dest, { sha256, progress: false });
  assert.deepEqual(readFileSync(dest), bytes);
});

test('the progress bar reports on the given stream', async () => {
  const lines: string[] = [];
  const stream = { write: (s: string) => lines.push(s), isTTY: false };
  await download.download(base + FILE, join(dir, 'p.gz'), { sha256, progress: stream });
  assert.match(lines[0], new RegExp(`Downloading p.gz \\(${bytes.length} B\\)`));
  assert.match(lines[lines.length - 1], /p\.gz \[#{30}\] 100% /);
  const tty: string[] = [];
  const bar = new download.ProgressBar('x', 100, { write: (s: string) => tty.push(s), isTTY: true });
  bar.update(50);
  bar.update(50);
  bar.finish();
  assert.ok(tty.some((s) => s.startsWith('\r') && s.includes(' 50%')));
  assert.ok(tty.some((s) => s.includes('100%')));
});

/** downloadSync blocks this process, so its server runs in a child process. */
async function childServer(served = SERVED): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL('./fixture_server.js', import.meta.url));
  const child = spawn(process.execPath, [script, served], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`fixture server exited with ${code}`)));
  });
  return { child, url };
}

test('downloadSync and datasets\' download: true fetch from a mirror and check the published sums', async () => {
  const { child, url } = await childServer();
  const saved = datasets.MNIST.resources;
  try {
    const dest = join(dir, 'sync', FILE);
    download.downloadSync([url + FILE], dest, { sha256, progress: false });
    assert.deepEqual(readFileSync(dest), bytes);
    assert.throws(() => download.downloadSync([url + FILE], join(dir, 'sync', 'x.gz'), { md5: '1'.repeat(32), progress: false }), (e: unknown) => {
      assert.ok(e instanceof ChecksumError);
      assert.equal(e.actual, md5);
      return true;
    });
    assert.throws(() => download.downloadSync([`${url}missing.gz`], join(dir, 'sync', 'y.gz'), { progress: false }), /HTTP 404/);

    // MNIST with download: true, pointed at the local mirror (the real registry keeps the upstream sums).
    const root = join(dir, 'mnist-root');
    mkdirSync(root);
    const sum = (name: string) => createHash('md5').update(readFileSync(join(SERVED, name))).digest('hex');
    datasets.MNIST.resources = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => ({ filename: f, urls: [url + f], md5: sum(f) }));
    const ds = new datasets.MNIST({ root, train: false, download: true });
    assert.equal(ds.length, 4);
    assert.ok(existsSync(join(root, 'MNIST', 'raw', 't10k-images-idx3-ubyte.gz')));
    // With the upstream checksums, the fixture files are refused.
    datasets.MNIST.resources = saved.map((r) => ({ ...r, urls: [url + r.filename.replace('train', 't10k')] }));
    const other = join(dir, 'mnist-upstream');
    assert.throws(() => new datasets.MNIST({ root: other, train: false, download: true }), (e: unknown) => {
      assert.ok(e instanceof ChecksumError);
      assert.equal(e.expected, '9fb629c4189551a2d022fa330f9573f3');
      return true;
    });
    assert.equal(existsSync(join(other, 'MNIST', 'raw', 't10k-images-idx3-ubyte.gz')), false);
  } finally {
    datasets.MNIST.resources = saved;
    child.kill();
  }
});

/** A minimal ustar archive (what the extractor reads: name, size, type; checksum for real tar tools). */
function tar(entries: [string, Uint8Array][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of entries) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

test('CIFAR10 download: true fetches the archive, checks it and unpacks only the batch files', async () => {
  const served = mkdtempSync(join(tmpdir(), 'antorcha-served-'));
  const bin = fixturePath('data/cifar/cifar-10-batches-bin');
  const members: [string, Uint8Array][] = readdirSync(bin).map((f) => [`cifar-10-batches-bin/${f}`, readFileSync(join(bin, f))]);
  members.push(['cifar-10-batches-bin/batches.meta.txt', Buffer.from('airplane\n')], ['../../evil.bin', Buffer.from('x')]);
  const archive = gzipSync(tar(members));
  writeFileSync(join(served, 'cifar-10-binary.tar.gz'), archive);
  const { child, url } = await childServer(served);
  const saved = datasets.CIFAR10.resource;
  try {
    datasets.CIFAR10.resource = { filename: 'cifar-10-binary.tar.gz', urls: [url + 'cifar-10-binary.tar.gz'], md5: createHash('md5').update(archive).digest('hex') };
    const root = join(dir, 'cifar-root');
    const ds = new datasets.CIFAR10({ root, train: false, download: true });
    assert.equal(ds.length, 3);
    assert.deepEqual(readdirSync(join(root, 'cifar-10-batches-bin')).sort(), readdirSync(bin).sort());
    assert.equal(existsSync(join(root, 'cifar-10-binary.tar.gz')), false, 'the archive is removed once unpacked');
    assert.equal(existsSync(join(dir, 'evil.bin')) || existsSync(join(root, 'evil.bin')), false);
    assert.equal(new datasets.CIFAR10({ root }).length, 10, 'the train split was unpacked too');
  } finally {
    datasets.CIFAR10.resource = saved;
    child.kill();
    rmSync(served, { recursive: true, force: true });
  }
});
