import { parseArgs } from 'node:util';

/** A mistake in the command line (exit code 2): the message, then the usage of what was asked for. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export interface Command {
  /** The words that name it, e.g. ['clients', 'create']. */
  words: string[];
  /** What follows the words, for the usage line: '--name NAME [--rate-limit N]'. */
  synopsis: string;
  /** One line for the list of commands. */
  summary: string;
  /** The rest of its --help: what each option means. */
  details: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  /** How many arguments it takes after its words and among its options. */
  positionals: number;
  run(args: CommandArgs): Promise<void>;
}

/** A command's parsed options and arguments, with the checks that turn a bad value into a UsageError. */
export class CommandArgs {
  constructor(
    private readonly values: Record<string, string | boolean | undefined>,
    readonly positionals: string[],
    private readonly usage: string,
  ) {}

  fail(message: string): never {
    throw new UsageError(message, this.usage);
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value.trim() === '') this.fail(`--${name} is required`);
    return value;
  }

  /** A whole number of at least `min`, written in digits only (no 1e3, no 0x10, no 5.0). */
  integer(name: string, min: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) this.fail(`--${name} must be a whole number of at least ${min}, not "${raw}"`);
    return value;
  }
}

const HELP_FLAGS = new Set(['--help', '-h']);

function commandUsage(program: string, command: Command): string {
  return `usage: ${program} ${command.words.join(' ')} ${command.synopsis}\n\n${command.summary}\n\n${command.details}`.trimEnd();
}

function commandList(program: string, commands: Command[], footer: string): string {
  const list = commands.map((c) => `  ${c.words.join(' ')} ${c.synopsis}\n      ${c.summary}`).join('\n');
  return `usage: ${program} <command> [options]\n\ncommands:\n${list}\n\n${footer}`.trimEnd();
}

export type CommandLine = { help: string } | { command: Command; args: CommandArgs };

/**
 * Finds the command named by the leading words of `argv` and parses the rest strictly (Node's
 * util.parseArgs): an unknown option, a missing value or an extra argument is a UsageError.
 * `--help` (or `-h`) anywhere asks for the help of what the words before it name.
 */
export function parseCommandLine(argv: string[], commands: Command[], program: string, footer: string): CommandLine {
  const help = argv.some((arg) => HELP_FLAGS.has(arg));
  const command = commands.find((c) => c.words.every((word, i) => argv[i] === word));
  if (!command) {
    const firstOption = argv.findIndex((arg) => arg.startsWith('-'));
    const words = firstOption === -1 ? argv : argv.slice(0, firstOption);
    const group = commands.filter((c) => words.length > 0 && words.every((word, i) => c.words[i] === word));
    const usage = commandList(program, group.length > 0 ? group : commands, footer);
    if (help || argv.length === 0) return { help: usage };
    throw new UsageError(group.length > 0 ? `${words.join(' ')} needs a subcommand: ${group.map((c) => c.words.slice(words.length).join(' ')).join(', ')}` : `unknown command: ${argv[0]}`, usage);
  }
  const usage = commandUsage(program, command);
  if (help) return { help: usage };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv.slice(command.words.length), options: command.options, strict: true, allowPositionals: command.positionals > 0 });
  } catch (error) {
    if (String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message, usage);
    throw error;
  }
  if (parsed.positionals.length > command.positionals) throw new UsageError(`unexpected argument: ${parsed.positionals[command.positionals]}`, usage);
  return { command, args: new CommandArgs(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, usage) };
}
