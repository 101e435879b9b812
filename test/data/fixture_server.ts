/**
 * A tiny HTTP server on 127.0.0.1 serving files from one folder, for download tests (never the network).
 * Routes: /<name> the file; /redirect/<name> a 302 to it; /truncated/<name> a body cut short of its
 * Content-Length; anything missing a 404. Run as a script it prints its port and serves until killed
 * (downloadSync blocks the test process, so that server must live in another process).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function startFixtureServer(dir: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    const [, route, rest] = /^\/(redirect|truncated)\/(.*)$/.exec(url) ?? [null, null, url.slice(1)];
    const path = join(dir, basename(rest ?? ''));
    if (route === 'redirect') {
      res.writeHead(302, { location: `/${basename(rest!)}` });
      res.end();
      return;
    }
    if (!rest || !existsSync(path)) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const body = readFileSync(path);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    if (route === 'truncated') {
      res.write(body.subarray(0, body.length >> 1));
      res.destroy(); // the client sees fewer bytes than announced
      return;
    }
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, base: `http://127.0.0.1:${port}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { base } = await startFixtureServer(process.argv[2]);
  process.stdout.write(base + '\n');
  // Stops by itself after a minute, in case the test that started it died.
  setTimeout(() => process.exit(0), 60_000);
}
