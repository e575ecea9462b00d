import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/process.js';
import { eventually, tempDir } from '../support/temp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A copy of the project to run `scripts/start.sh` in, so that whatever it builds or removes is not
 * the build the tests run from. Its node_modules is a directory of links to the installed
 * packages (an install there would replace the links, not the packages), newer than the lock file
 * so that no install is due.
 */
function projectCopy(t: TestContext, parts: { sources: boolean; build: boolean }): string {
  const dir = tempDir(t, 'herald-start-');
  const names = ['scripts', 'package.json', 'package-lock.json', 'tsconfig.json', ...(parts.sources ? ['src', 'test', 'bench', 'console'] : [])];
  for (const name of names) cpSync(join(ROOT, name), join(dir, name), { recursive: true, preserveTimestamps: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '.package-lock.json') symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  writeFileSync(join(dir, 'node_modules', '.package-lock.json'), readFileSync(join(ROOT, 'node_modules', '.package-lock.json')));
  mkdirSync(join(dir, 'dist'));
  if (parts.build) for (const built of ['src', 'console']) cpSync(join(ROOT, 'dist', built), join(dir, 'dist', built), { recursive: true });
  return dir;
}

const buildInputs = (dir: string): string => execFileSync(process.execPath, ['scripts/build-inputs.mjs'], { cwd: dir, encoding: 'utf8' }).trim();

/** Runs the start script in its own process group, which is killed when the test ends. */
function startScript(t: TestContext, dir: string, env: Record<string, string>) {
  const child = spawn('bash', ['scripts/start.sh'], { cwd: dir, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group has already ended.
    }
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('npm start (scripts/start.sh)', () => {
  it('refuses to start when the port is taken, before the install or the build, with a message and exit code 1', { timeout: 60_000 }, async (t) => {
    const dir = projectCopy(t, { sources: false, build: false });
    const marker = join(dir, 'dist', 'untouched');
    writeFileSync(marker, '');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as { port: number }).port;

    const run = startScript(t, dir, { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(dir, 'data') });
    assert.equal(await run.exited, 1);
    assert.equal(run.stderr().trim(), `herald: 127.0.0.1:${port} is already in use (is Herald running?): stop what listens there or set PORT`);
    assert.ok(existsSync(marker), 'the build directory was not touched');
    assert.ok(!existsSync(join(dir, 'data')), 'nothing was started');
  });

  it('does not compile when the build is current, and starts', { timeout: 60_000 }, async (t) => {
    const dir = projectCopy(t, { sources: true, build: true });
    writeFileSync(join(dir, 'dist', '.build-inputs'), `${buildInputs(dir)}\n`);
    const main = join(dir, 'dist', 'src', 'main.js');
    const builtAt = statSync(main).mtimeMs;
    const port = await freePort();

    const run = startScript(t, dir, { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(dir, 'data') });
    await eventually(() => (run.stdout().includes(`"listening on http://127.0.0.1:${port}`) ? true : undefined), 45_000, 'Herald to listen');
    assert.match(run.stderr(), /^the build is current: not compiling$/m);
    assert.doesNotMatch(run.stderr(), /compiling\.\.\./);
    assert.equal(statSync(main).mtimeMs, builtAt, 'dist was not rebuilt');
    run.child.kill('SIGTERM');
    await run.exited;
  });

  it('the build is stale when a source (the console page’s too), tsconfig.json or package-lock.json changed, not when another file did', { timeout: 30_000 }, (t) => {
    const dir = projectCopy(t, { sources: true, build: false });
    let previous = buildInputs(dir);
    const changed = (file: string, text: string): boolean => {
      appendFileSync(join(dir, file), text);
      const now = buildInputs(dir);
      const differs = now !== previous;
      previous = now;
      return differs;
    };
    assert.equal(buildInputs(dir), previous, 'the same inputs, the same hash');
    assert.ok(changed('src/main.ts', '// edited\n'), 'a source');
    assert.ok(changed('test/support/temp.ts', '// edited\n'), 'a test, compiled too');
    assert.ok(changed('console/src/main.js', '// edited\n'), 'the console page, bundled');
    assert.ok(changed('tsconfig.json', '\n'), 'tsconfig.json');
    assert.ok(changed('package-lock.json', '\n'), 'package-lock.json');
    writeFileSync(join(dir, 'src', 'added.ts'), 'export {};\n');
    assert.notEqual(buildInputs(dir), previous, 'a new source');
    previous = buildInputs(dir);
    assert.ok(!changed('scripts/start.sh', '# edited\n'), 'a script is not compiled');
  });
});
