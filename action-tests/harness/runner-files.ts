// Reading what a step wrote through the runner's channels: file commands (GITHUB_OUTPUT,
// GITHUB_STATE, GITHUB_ENV) and workflow commands on stdout (`::warning::...`).

/** Parses a file command file: `name=value` lines and `name<<DELIMITER` heredocs. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`file command '${name}': no closing delimiter ${delimiter}`);
      values[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0)
      throw new Error(`file command line is neither name=value nor a heredoc: ${line}`);
    values[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return values;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/**
 * The workflow commands among a step's stdout, read as the runner reads them: lines end at
 * `\r` as well as `\n`; a command is `::name key=value,...::message` after leading white
 * space, its name in any case, or the older `##[name key=value;...]message` anywhere in a
 * line; between `::stop-commands::TOKEN` and `::TOKEN::` nothing is a command.
 */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const raw of stdout.split(/\r\n|\r|\n/)) {
    const line = raw.trimStart();
    if (stopToken !== undefined) {
      if (line.trimEnd() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const modern = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    const older = modern ? null : /##\[([A-Za-z-]+)(?: ([^\]]*))?\](.*)$/.exec(line);
    const match = modern ?? older;
    if (!match) continue;
    const [, name, props = '', message] = match;
    const command = name.toLowerCase();
    const properties: Record<string, string> = {};
    for (const pair of props.split(modern ? ',' : ';').filter(Boolean)) {
      const equals = pair.indexOf('=');
      properties[pair.slice(0, equals)] = unescapeProperty(pair.slice(equals + 1));
    }
    commands.push({ command, properties, message: unescapeData(message) });
    if (command === 'stop-commands' && message !== '') stopToken = message;
  }
  return commands;
}
