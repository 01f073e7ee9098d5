// Writes the parts of the documentation that other files already say, so they cannot drift.
// The documents: README.md, CONTRIBUTING.md, every Markdown file under docs/, and
// actions/<name>/README.md. The regions, each between a start and an end marker:
//   <!-- inputs:start --> ... <!-- inputs:end -->    in actions/<name>/README.md, from action.yml
//   <!-- outputs:start --> ... <!-- outputs:end -->  in actions/<name>/README.md, from action.yml
//   <!-- actions:start --> ... <!-- actions:end -->  the list of actions, from every action.yml
//   <!-- include:PATH:start --> ... <!-- include:PATH:end -->  a file shown as a code block
//     (docs/ shows the consumer workflows that examples.test.ts lints).
//   <!-- workflow-inputs:PATH:start -->, workflow-secrets, workflow-outputs: the interface of
//     a reusable workflow (`on.workflow_call`), from its file.
// PATH is relative to the root of the repository, whichever document the region is in.
// `npm run readme` rewrites them; `node scripts/readme-tables.mjs --check` only reports, and
// exits 1 when a document differs from what the sources give (action-tests/readme.test.ts runs
// it). `--root DIR` works on another tree with the same layout (the tests use it to show drift);
// `--list` prints the documents it keeps, as JSON, and changes nothing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const repositoryRoot = path.resolve(import.meta.dirname, '..');
const SHARED = 'shared';

/** The action folders of a tree: every actions/<name>/ holding an action.yml. */
export function listActions(root) {
  const actionsDir = path.join(root, 'actions');
  if (!existsSync(actionsDir)) return [];
  return readdirSync(actionsDir)
    .filter((name) => name !== SHARED && existsSync(path.join(actionsDir, name, 'action.yml')))
    .sort();
}

export function readMetadata(root, action) {
  return parse(readFileSync(path.join(root, 'actions', action, 'action.yml'), 'utf8'));
}

/**
 * Text for a table cell: one line, and nothing GitHub would read as markup. `<name>` would be
 * taken for an HTML tag and vanish, `**` in a glob would turn bold, `|` would end the cell.
 */
export function cellText(text) {
  return String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*<|]/g, (character) => `\\${character}`)
    .replace(/_/g, (underscore, offset, whole) =>
      /[A-Za-z0-9]/.test(whole[offset - 1] ?? '') && /[A-Za-z0-9]/.test(whole[offset + 1] ?? '')
        ? underscore
        : '\\_',
    );
}

/** A value shown as code in a cell; a backtick inside needs a longer fence. */
export function codeCell(value) {
  const text = String(value).replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

function table(header, rows) {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

function describe(entry) {
  const description = cellText(entry?.description);
  const deprecation = entry?.deprecationMessage
    ? ` Deprecated: ${cellText(entry.deprecationMessage)}`
    : '';
  return `${description}${deprecation}`;
}

export function inputsTable(metadata) {
  const inputs = Object.entries(metadata.inputs ?? {});
  if (inputs.length === 0) return 'This action takes no inputs.';
  return table(
    ['name', 'required', 'default', 'description'],
    inputs.map(([name, input]) => [
      codeCell(name),
      input?.required === true || input?.required === 'true' ? 'yes' : 'no',
      input?.default === undefined || input?.default === '' ? '' : codeCell(input.default),
      describe(input),
    ]),
  );
}

export function outputsTable(metadata) {
  const outputs = Object.entries(metadata.outputs ?? {});
  if (outputs.length === 0) return 'This action sets no outputs.';
  return table(
    ['name', 'description'],
    outputs.map(([name, output]) => [codeCell(name), describe(output)]),
  );
}

/** The list of actions, linked from a document of the folder `from` (the root unless given). */
export function actionsTable(root, from = root) {
  const actions = listActions(root);
  return table(
    ['action', 'what it does'],
    actions.map((action) => {
      const readme = path.join(root, 'actions', action, 'README.md');
      const link = existsSync(readme)
        ? `[\`${action}\`](${path.relative(from, readme).split(path.sep).join('/')})`
        : `\`${action}\``;
      return [link, cellText(readMetadata(root, action).description)];
    }),
  );
}

/** The text of a file of the tree, or undefined when the path leaves it or names nothing. */
function treeFile(root, file) {
  const full = path.resolve(root, file);
  if (!full.startsWith(root + path.sep) || !existsSync(full)) return undefined;
  return readFileSync(full, 'utf8');
}

/** The tables of a reusable workflow's `on.workflow_call`: inputs, secrets or outputs. */
export function workflowCallTable(workflowText, part) {
  const call = parse(workflowText)?.on?.workflow_call ?? {};
  const entries = Object.entries(call[part] ?? {});
  if (entries.length === 0) return `This workflow declares no ${part}.`;
  if (part === 'inputs') {
    return table(
      ['name', 'type', 'required', 'default', 'description'],
      entries.map(([name, input]) => [
        codeCell(name),
        input?.type ?? 'string',
        input?.required === true ? 'yes' : 'no',
        input?.default === undefined || input?.default === '' ? '' : codeCell(input.default),
        describe(input),
      ]),
    );
  }
  if (part === 'secrets') {
    return table(
      ['name', 'required', 'description'],
      entries.map(([name, secret]) => [
        codeCell(name),
        secret?.required === true ? 'yes' : 'no',
        describe(secret),
      ]),
    );
  }
  return table(
    ['name', 'description'],
    entries.map(([name, output]) => [codeCell(name), describe(output)]),
  );
}

function includeBlock(root, file) {
  const text = treeFile(root, file);
  if (text === undefined) return undefined;
  const language = { yml: 'yaml', yaml: 'yaml', sh: 'sh', json: 'json' }[
    path.extname(file).slice(1)
  ];
  const fence = text.includes('```') ? '````' : '```';
  return `${fence}${language ?? ''}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

// A marker is a line of its own, so that prose can name one in passing (`<!-- inputs:start -->`).
const MARKER = /^<!-- ([a-z-]+(?::[^\s>]+?)?):(start|end) -->[ \t]*$/gm;

/** The marked regions of a document, in order, or the problems that prevent finding them. */
export function findRegions(text) {
  const regions = [];
  const problems = [];
  let open;
  for (const match of text.matchAll(MARKER)) {
    const [marker, name, side] = match;
    if (side === 'start') {
      if (open) problems.push(`'${open.name}' opens at offset ${open.start} but never ends`);
      open = { name, start: match.index, contentStart: match.index + marker.length };
    } else if (!open || open.name !== name) {
      problems.push(`'<!-- ${name}:end -->' has no matching start marker`);
      open = undefined;
    } else {
      regions.push({ ...open, contentEnd: match.index, end: match.index + marker.length });
      open = undefined;
    }
  }
  if (open) problems.push(`'<!-- ${open.name}:start -->' has no end marker`);
  return { regions, problems };
}

let prettierOptions;

/**
 * Generated Markdown as Prettier writes it, so that `prettier --write` on a document leaves the
 * regions exactly as this script made them (Prettier pads table columns and rewrites escapes).
 */
async function formatted(markdown) {
  prettierOptions ??= {
    ...(await prettier.resolveConfig(path.join(repositoryRoot, 'README.md'))),
    parser: 'markdown',
  };
  return (await prettier.format(markdown, prettierOptions)).trimEnd();
}

function regionSource(root, readme, name) {
  const action = path.basename(path.dirname(readme));
  const isActionReadme = path.dirname(path.dirname(readme)) === path.join(root, 'actions');
  if (name === 'inputs' || name === 'outputs') {
    if (!isActionReadme) return { problem: `'${name}' tables belong in actions/<name>/README.md` };
    const metadata = readMetadata(root, action);
    return { markdown: name === 'inputs' ? inputsTable(metadata) : outputsTable(metadata) };
  }
  if (name === 'actions') return { markdown: actionsTable(root, path.dirname(readme)) };
  if (name.startsWith('include:')) {
    const file = name.slice('include:'.length);
    const markdown = includeBlock(root, file);
    return markdown === undefined
      ? { problem: `includes ${file}, which is not a file of the repository` }
      : { markdown };
  }
  const workflowPart = /^workflow-(inputs|secrets|outputs):(.+)$/.exec(name);
  if (workflowPart) {
    const [, part, file] = workflowPart;
    const text = treeFile(root, file);
    return text === undefined
      ? { problem: `describes ${file}, which is not a file of the repository` }
      : { markdown: workflowCallTable(text, part) };
  }
  return { problem: `'${name}' is not a region this script knows` };
}

/**
 * What a document should be: its text with every region regenerated. `problems` lists what the
 * script cannot fix by itself (a missing or broken marker, a region it cannot fill).
 */
export async function renderReadme(root, readme, text) {
  const { regions, problems } = findRegions(text);
  const isActionReadme = path.dirname(path.dirname(readme)) === path.join(root, 'actions');
  if (isActionReadme) {
    for (const required of ['inputs', 'outputs']) {
      if (!regions.some((region) => region.name === required)) {
        problems.push(
          `has no <!-- ${required}:start --> / <!-- ${required}:end --> markers for its ${required} table`,
        );
      }
    }
  }
  let result = '';
  let position = 0;
  for (const region of regions) {
    const { markdown, problem } = regionSource(root, readme, region.name);
    result += text.slice(position, region.contentStart);
    if (problem) {
      problems.push(problem);
      result += text.slice(region.contentStart, region.contentEnd);
    } else {
      result += `\n\n${await formatted(markdown)}\n\n`;
    }
    position = region.contentEnd;
  }
  return { text: result + text.slice(position), problems };
}

/** The Markdown files under a folder of the tree, sorted; none when there is no such folder. */
function markdownUnder(root, folder) {
  const full = path.join(root, folder);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true })
    .filter((file) => file.endsWith('.md'))
    .map((file) => path.join(full, file))
    .sort();
}

/**
 * The documents this script keeps: README.md, CONTRIBUTING.md when there is one, the guides of
 * docs/, and one README per action. README.md and the action READMEs must exist.
 */
export function readmeFiles(root) {
  const contributing = path.join(root, 'CONTRIBUTING.md');
  return [
    path.join(root, 'README.md'),
    ...(existsSync(contributing) ? [contributing] : []),
    ...markdownUnder(root, 'docs'),
    ...listActions(root).map((action) => path.join(root, 'actions', action, 'README.md')),
  ];
}

/**
 * Compares every document with what the sources give. With `write`, rewrites those that differ.
 * Returns one entry per document that differs or has a problem.
 */
export async function checkReadmes(root = repositoryRoot, { write = false } = {}) {
  const findings = [];
  for (const readme of readmeFiles(root)) {
    const file = path.relative(root, readme);
    if (!existsSync(readme)) {
      const isActionReadme = path.dirname(path.dirname(readme)) === path.join(root, 'actions');
      findings.push({
        file,
        problems: [
          isActionReadme
            ? `is missing: write it, with <!-- inputs:start --> <!-- inputs:end --> and <!-- outputs:start --> <!-- outputs:end --> where the tables go`
            : 'is missing',
        ],
        stale: [],
      });
      continue;
    }
    const text = readFileSync(readme, 'utf8');
    const rendered = await renderReadme(root, readme, text);
    const stale = staleRegions(text, rendered.text);
    if (write && rendered.text !== text) writeFileSync(readme, rendered.text);
    if (stale.length > 0 || rendered.problems.length > 0) {
      findings.push({ file, problems: rendered.problems, stale });
    }
  }
  return findings;
}

/** The names of the regions whose content differs between two versions of a document. */
function staleRegions(before, after) {
  const contents = (text) =>
    new Map(
      findRegions(text).regions.map((region) => [
        region.name,
        text.slice(region.contentStart, region.contentEnd).trim(),
      ]),
    );
  const old = contents(before);
  return [...contents(after)]
    .filter(([name, content]) => old.get(name) !== content)
    .map(([name]) => name);
}

function option(args, name) {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const root = path.resolve(option(args, '--root') ?? repositoryRoot);
  if (args.includes('--list')) {
    console.log(JSON.stringify(readmeFiles(root).map((file) => path.relative(root, file))));
    process.exit(0);
  }
  const findings = await checkReadmes(root, { write: !check });
  if (args.includes('--json')) {
    console.log(JSON.stringify(findings));
  } else {
    for (const { file, problems, stale } of findings) {
      for (const problem of problems) console.error(`${file}: ${problem}`);
      for (const name of stale) {
        console.error(
          check
            ? `${file}: the '${name}' region differs from its source`
            : `${file}: rewrote the '${name}' region`,
        );
      }
    }
  }
  const failed = findings.some(
    (finding) => finding.problems.length > 0 || (check && finding.stale.length > 0),
  );
  if (failed && check && !args.includes('--json')) {
    console.error('The documentation does not match its sources: run `npm run readme`.');
  }
  process.exit(failed ? 1 : 0);
}
