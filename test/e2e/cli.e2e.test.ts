import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLIENTS_STREAM } from '../../src/domain/client/client.js';
import { runCli } from '../support/process.js';
import { tempDir } from '../support/temp.js';

const USAGE_ERRORS: { args: string[]; message: RegExp; usage: string }[] = [
  { args: ['clients', 'create', '--nme', 'billing'], message: /Unknown option '--nme'/, usage: 'clients create' },
  { args: ['clients', 'create', '--scopes', 'admin'], message: /--name is required/, usage: 'clients create' },
  { args: ['clients', 'create', '--name', 'billing', '--scopes', 'admin,bogus'], message: /--scopes must list known scopes \(unknown: bogus\)/, usage: 'clients create' },
  { args: ['clients', 'create', '--name', 'billing', '--scopes', 'admin', '--rate-limit', '1e3'], message: /--rate-limit must be a whole number of at least 1, not "1e3"/, usage: 'clients create' },
  { args: ['clients', 'create', '--name', 'billing', '--scopes', 'admin', '--rate-limit'], message: /'--rate-limit <value>' argument missing/, usage: 'clients create' },
  { args: ['clients', 'create', '--name', 'billing', '--scopes', 'admin', 'extra'], message: /Unexpected argument 'extra'/, usage: 'clients create' },
  { args: ['replay'], message: /--stream is required/, usage: 'replay' },
  { args: ['replay', '--stream', 'recipient-ada', '--from', 'two'], message: /--from must be a whole number of at least 0, not "two"/, usage: 'replay' },
  { args: ['replay', '--stream', 'recipient-ada', '--limit', '0'], message: /--limit must be a whole number of at least 1, not "0"/, usage: 'replay' },
  { args: ['projections', 'rebuild'], message: /which projection\? known: notification_status, notification_stats/, usage: 'projections rebuild' },
  { args: ['projections', 'rebuild', 'nope'], message: /unknown projection: nope/, usage: 'projections rebuild' },
  { args: ['projections', 'rebuild', 'notification_status', 'again'], message: /unexpected argument: again/, usage: 'projections rebuild' },
  { args: ['clients'], message: /clients needs a subcommand: create/, usage: '<command>' },
  { args: ['frobnicate'], message: /unknown command: frobnicate/, usage: '<command>' },
];

describe('the CLI', () => {
  for (const { args, message, usage } of USAGE_ERRORS) {
    it(`\`${args.join(' ')}\`: exit code 2, the message and the usage on stderr, nothing opened`, { timeout: 30_000 }, async (t) => {
      const dataDir = join(tempDir(t), 'data');
      const run = await runCli(args, { DATA_DIR: dataDir });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      const [first, ...rest] = run.stderr.split('\n');
      assert.match(first!, /^error: /);
      assert.match(first!, message);
      assert.ok(rest.join('\n').includes(`usage: npm run cli -- ${usage}`), run.stderr);
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
      assert.ok(!existsSync(dataDir), 'a bad command line opens no store');
    });
  }

  it('--help and -h list the commands, the exit codes, and answer 0', { timeout: 30_000 }, async () => {
    for (const args of [['--help'], ['-h'], []]) {
      const run = await runCli(args, {});
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, /^usage: npm run cli -- <command> \[options\]/);
      for (const command of ['clients create --name NAME', 'replay --stream STREAM', 'projections rebuild notification_status|notification_stats']) assert.ok(run.stdout.includes(command), command);
      assert.match(run.stdout, /Exit codes: 0 done; 1 the command failed .*; 2 the command line is wrong/);
    }
  });

  it('each command has its own --help, answered 0 even beside other (bad) options', { timeout: 30_000 }, async () => {
    const helps: [string[], RegExp][] = [
      [['clients', 'create', '--help'], /--rate-limit N +its requests per second/],
      [['replay', '-h'], /--from REVISION +the first revision to print/],
      [['projections', 'rebuild', '--help'], /prints the events applied/],
      [['clients', 'create', '--nme', 'x', '--help'], /--scopes SCOPES +comma-separated, from: .*notifications:send/],
    ];
    for (const [args, detail] of helps) {
      const run = await runCli(args, {});
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const words = args.filter((a) => !a.startsWith('-') && a !== 'x').join(' ');
      assert.match(run.stdout, new RegExp(`^usage: npm run cli -- ${words} `));
      assert.match(run.stdout, detail);
    }
    const group = await runCli(['clients', '--help'], {});
    assert.equal(group.code, 0);
    assert.match(group.stdout, /clients create --name NAME/);
    assert.doesNotMatch(group.stdout, /replay/);
  });

  it('a configuration that does not parse: exit code 1 and a message naming the variable, no stack trace', { timeout: 30_000 }, async (t) => {
    const run = await runCli(['replay', '--stream', 'recipient-ada'], { DATA_DIR: tempDir(t), EVENT_STORE: 'mongodb' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `error: Herald's configuration is invalid (1 variable):\n  EVENT_STORE: "mongodb" must be sqlite, eventstoredb or postgres\n`);
  });

  it('a good command line runs: exit code 0, its output on stdout', { timeout: 30_000 }, async (t) => {
    const env = { DATA_DIR: tempDir(t) };
    const created = await runCli(['clients', 'create', '--name', 'billing', '--scopes', 'notifications:send,users:write', '--rate-limit', '50'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(JSON.parse(created.stdout).appKey, /^hk_/);
    const replay = await runCli(['replay', '--stream', CLIENTS_STREAM, '--from', '0', '--limit', '1'], env);
    assert.equal(replay.code, 0, replay.stderr);
    const lines = replay.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].revision, 0);
    assert.equal(lines[0].data.name, 'billing');
  });
});
