// Parses source text with tree-sitter (WASM) and answers questions about functions and syntax.
// Grammars load lazily, once per language; every tree is freed right after use (WASM memory).
import { join } from 'node:path';
// The `require` form makes esbuild bundle web-tree-sitter's CJS build, which finds its files via
// __filename; the ESM build needs import.meta.url, empty in a CJS bundle unless defined (FACTS.md).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import TreeSitter = require('web-tree-sitter');
import type { FunctionLocation, LanguageId, SyntaxIssue } from '../types';
import { allFunctions, functionContaining } from './functionNodes';
import { IncrementalParser } from './incrementalParse';
import { GRAMMAR_FILE } from './languages';
import { collectSyntaxIssues } from './syntaxIssues';

export interface TreeSitterPaths {
  /** Folder holding the tree-sitter-<language>.wasm grammars. */
  grammarDir: string;
  /** The web-tree-sitter runtime, tree-sitter.wasm (must be 0.25.x to match the grammars). */
  runtimeWasm: string;
}

/** The layout the build produces: grammars and runtime side by side in dist/wasm. */
export function wasmPathsIn(dir: string): TreeSitterPaths {
  return { grammarDir: dir, runtimeWasm: join(dir, 'tree-sitter.wasm') };
}

/** Straight from node_modules, for tests and scripts run from the repository. */
export function devWasmPaths(repoRoot: string): TreeSitterPaths {
  return {
    grammarDir: join(repoRoot, 'node_modules/@vscode/tree-sitter-wasm/wasm'),
    runtimeWasm: join(repoRoot, 'node_modules/web-tree-sitter/tree-sitter.wasm'),
  };
}

export class TreeSitterService {
  private runtime: Promise<void> | undefined;
  private readonly parsers = new Map<LanguageId, Promise<TreeSitter.Parser>>();
  private readonly incremental = new Map<LanguageId, IncrementalParser>();
  private disposed = false;

  constructor(private readonly paths: TreeSitterPaths) {}

  /** The innermost named function whose range (decorators, `export` included) holds `offset`. */
  async findFunctionAt(text: string, language: LanguageId, offset: number): Promise<FunctionLocation | null> {
    return this.withTree(text, language, (tree) => {
      const at = Math.max(0, Math.min(offset, text.length));
      const found = functionAt(tree, at, language, text);
      if (found) return found;
      // A cursor in the indentation before `def`/`fn` belongs to the enclosing block: retry at the
      // first character of the line.
      const lineStart = text.lastIndexOf('\n', at - 1) + 1;
      if (!/^[ \t]*$/.test(text.slice(lineStart, at))) return null;
      const indent = /[ \t]*/y;
      indent.lastIndex = lineStart;
      indent.exec(text);
      const firstChar = indent.lastIndex;
      if (firstChar === at || firstChar >= text.length || text[firstChar] === '\n' || text[firstChar] === '\r') return null;
      return functionAt(tree, firstChar, language, text);
    });
  }

  /**
   * A function by name; when several share it, the one starting nearest `nearLine` (0-based).
   * A C++ name matches exactly, or by its last part (`bar` finds `Foo::bar`) when nothing matches exactly.
   */
  async findFunctionByName(
    text: string,
    language: LanguageId,
    name: string,
    nearLine?: number,
  ): Promise<FunctionLocation | null> {
    const functions = await this.listFunctions(text, language);
    let candidates = functions.filter((f) => f.name === name);
    if (candidates.length === 0) candidates = functions.filter((f) => f.name.endsWith(`::${name}`));
    if (candidates.length === 0) return null;
    if (nearLine === undefined) return candidates[0];
    let best = candidates[0];
    for (const candidate of candidates) {
      if (Math.abs(candidate.startLine - nearLine) < Math.abs(best.startLine - nearLine)) best = candidate;
    }
    return best;
  }

  /** Every named function in source order, nested ones included. */
  async listFunctions(text: string, language: LanguageId): Promise<FunctionLocation[]> {
    return this.withTree(text, language, (tree) => allFunctions(tree, language, text));
  }

  /** ERROR and MISSING nodes (0-based line and UTF-16 column), at most 20. */
  async syntaxIssues(text: string, language: LanguageId): Promise<SyntaxIssue[]> {
    return this.withTree(text, language, (tree) => collectSyntaxIssues(tree, text, language));
  }

  /**
   * The type of every node (named and anonymous, ERROR and MISSING included) grouped by the
   * 0-based line it starts on. The PRM compares these between a parent and a child, hunk by hunk.
   */
  async nodeTypesByLine(text: string, language: LanguageId): Promise<string[][]> {
    return this.withTree(text, language, (tree) => {
      const lines: string[][] = [];
      const cursor = tree.walk();
      try {
        // Depth-first walk with one cursor: no Node objects are made, which keeps it fast.
        for (;;) {
          const row = cursor.startPosition.row;
          (lines[row] ??= []).push(cursor.nodeIsMissing ? `MISSING ${cursor.nodeType}` : cursor.nodeType);
          if (cursor.gotoFirstChild()) continue;
          while (!cursor.gotoNextSibling()) {
            if (!cursor.gotoParent()) return Array.from(lines, (types) => types ?? []);
          }
        }
      } finally {
        cursor.delete();
      }
    });
  }

  /** Makes sure the grammar is loaded (e.g. to warm up before the first user action). */
  async preload(language: LanguageId): Promise<void> {
    await this.parserFor(language);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const incremental of this.incremental.values()) incremental.dispose();
    this.incremental.clear();
    const parsers = [...this.parsers.values()];
    this.parsers.clear();
    for (const parser of parsers) {
      // A load still in flight is freed when it lands; a failed one has nothing to free.
      parser.then((p) => p.delete(), () => undefined);
    }
  }

  private async withTree<T>(text: string, language: LanguageId, use: (tree: TreeSitter.Tree) => T): Promise<T> {
    const parser = await this.parserFor(language);
    this.assertLive();
    let incremental = this.incremental.get(language);
    if (!incremental) {
      incremental = new IncrementalParser(parser);
      this.incremental.set(language, incremental);
    }
    const tree = incremental.parse(text);
    if (!tree) throw new Error(`tree-sitter returned no tree for ${language} text`);
    try {
      return use(tree);
    } finally {
      tree.delete();
    }
  }

  private parserFor(language: LanguageId): Promise<TreeSitter.Parser> {
    this.assertLive();
    let parser = this.parsers.get(language);
    if (!parser) {
      parser = this.loadParser(language);
      this.parsers.set(language, parser);
      // Forget a failed load so a later call can retry (e.g. after the file appears).
      parser.catch(() => {
        if (this.parsers.get(language) === parser) this.parsers.delete(language);
      });
    }
    return parser;
  }

  private async loadParser(language: LanguageId): Promise<TreeSitter.Parser> {
    await this.initRuntime();
    const grammarPath = join(this.paths.grammarDir, GRAMMAR_FILE[language]);
    let grammar: TreeSitter.Language;
    try {
      grammar = await TreeSitter.Language.load(grammarPath);
    } catch (error) {
      throw new Error(`Cannot load the tree-sitter grammar for ${language} from ${grammarPath}: ${messageOf(error)}`);
    }
    const parser = new TreeSitter.Parser();
    parser.setLanguage(grammar);
    return parser;
  }

  private initRuntime(): Promise<void> {
    if (!this.runtime) {
      const runtimeWasm = this.paths.runtimeWasm;
      this.runtime = TreeSitter.Parser.init({ locateFile: () => runtimeWasm }).catch((error: unknown) => {
        this.runtime = undefined;
        throw new Error(`Cannot start the tree-sitter runtime from ${runtimeWasm}: ${messageOf(error)}`);
      });
    }
    return this.runtime;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('TreeSitterService is disposed');
  }
}

function functionAt(tree: TreeSitter.Tree, offset: number, language: LanguageId, text: string): FunctionLocation | null {
  const node = tree.rootNode.descendantForIndex(offset);
  return node ? functionContaining(node, offset, language, text) : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
