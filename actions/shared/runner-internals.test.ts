// githubRunner (runner.ts) takes @actions/core's command modules rather than its index, whose
// start-up loads an HTTP client and doubles a bundle's cold start. Those modules are not part of
// core's public interface (core 3.x exposes only its root): this test names what moved when an
// upgrade breaks them, instead of a bundle failing at start in consumers' jobs.
const USED: Record<string, string[]> = {
  '@actions/core/lib/command': ['issue', 'issueCommand'],
  '@actions/core/lib/file-command': ['issueFileCommand', 'prepareKeyValueMessage'],
  '@actions/core/lib/summary': ['summary'],
};

function missing(): string[] {
  const problems: string[] = [];
  for (const [module, names] of Object.entries(USED)) {
    let loaded: Record<string, unknown>;
    try {
      // The module's name is only known at run time: an import statement cannot load it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(module) as Record<string, unknown>;
    } catch (error) {
      problems.push(`${module} cannot be loaded (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    for (const name of names) {
      if (loaded[name] === undefined) problems.push(`${module} no longer exports ${name}`);
    }
  }
  return problems;
}

test('the @actions/core modules that runner.ts builds on are where it expects them', () => {
  const problems = missing();
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('\n')}\n` +
        'actions/shared/runner.ts (githubRunner) uses these internal modules of @actions/core to ' +
        'keep its index (and its HTTP client) out of the bundles. Pin the last @actions/core that ' +
        'has them, or write the runner protocol in runner.ts itself (workflow commands on stdout, ' +
        'file commands appended to GITHUB_OUTPUT/GITHUB_STATE/GITHUB_ENV, the summary file).',
    );
  }
});
