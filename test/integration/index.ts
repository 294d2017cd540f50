// Mocha entry for the integration suites, run inside a real VS Code extension host.
// Two hosts use it: the test-runner extension under code-server (runIntegrationTests) and
// @vscode/test-electron's --extensionTestsPath (run). The suites are bundled in by esbuild.
import Mocha from 'mocha';
import { loadSuites, suiteFiles } from 'virtual:genesis-integration-suites';

export interface TestOutcome {
  title: string;
  fullTitle: string;
  file: string | undefined;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: { message: string; stack?: string };
}

export interface IntegrationReport {
  suiteFiles: readonly string[];
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  tests: TestOutcome[];
  /** A failure outside any test (a hook, a suite that would not load). */
  fatal?: string;
}

export interface RunOptions {
  /** Only tests whose full title matches. */
  grep?: string;
  timeoutMs?: number;
}

function errorOf(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return err.stack ? { message: err.message, stack: err.stack } : { message: err.message };
  return { message: String(err) };
}

/** Runs every bundled suite and reports each test; never throws for a failing test. */
export async function runIntegrationTests(options: RunOptions = {}): Promise<IntegrationReport> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: options.timeoutMs ?? 120_000, reporter: Mocha.reporters.Base });
  if (options.grep) mocha.grep(options.grep);
  const tests: TestOutcome[] = [];
  const started = Date.now();
  try {
    // What mocha.loadFiles does per file, minus the require (the suites are in this bundle).
    mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
    loadSuites();
    mocha.suite.emit('post-require', globalThis, 'bundle', mocha);
  } catch (err) {
    return { suiteFiles, passes: 0, failures: 1, pending: 0, durationMs: Date.now() - started, tests, fatal: `loading suites: ${errorOf(err).stack ?? errorOf(err).message}` };
  }

  let fatal: string | undefined;
  await new Promise<void>((resolveRun) => {
    const runner = mocha.run(() => resolveRun());
    const outcome = (test: Mocha.Runnable, state: TestOutcome['state'], err?: unknown): TestOutcome => ({
      title: test.title,
      fullTitle: test.fullTitle(),
      file: test.file,
      state,
      durationMs: test.duration ?? 0,
      ...(err === undefined ? {} : { error: errorOf(err) }),
    });
    runner.on('pass', (test) => tests.push(outcome(test, 'passed')));
    runner.on('pending', (test) => tests.push(outcome(test, 'pending')));
    runner.on('fail', (test, err) => {
      // Mocha types this as a Test, but a failing hook arrives here too: keep it, it is a failure.
      const runnable: Mocha.Runnable = test;
      tests.push(outcome(runnable, 'failed', err));
      if (runnable instanceof Mocha.Hook) fatal = `${runnable.fullTitle()}: ${errorOf(err).message}`;
    });
  });
  const count = (state: TestOutcome['state']) => tests.filter((t) => t.state === state).length;
  return {
    suiteFiles,
    passes: count('passed'),
    failures: count('failed'),
    pending: count('pending'),
    durationMs: Date.now() - started,
    tests,
    ...(fatal === undefined ? {} : { fatal }),
  };
}

/** The @vscode/test-electron entry: resolves when all pass, rejects otherwise. */
export async function run(): Promise<void> {
  const report = await runIntegrationTests({ grep: process.env.GENESIS_TEST_GREP });
  for (const t of report.tests) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip';
    console.log(`${mark} ${t.fullTitle}${t.error ? `\n     ${t.error.message}` : ''}`);
  }
  console.log(`${report.passes} passed, ${report.failures} failed`);
  if (report.failures > 0 || report.passes === 0) {
    throw new Error(report.fatal ?? `${report.failures} failed, ${report.passes} passed`);
  }
}
