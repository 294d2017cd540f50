// Which tree-sitter grammar handles a document: from its VS Code languageId, else its file name.
import { extname } from 'node:path';
import type { LanguageId } from '../types';

/** VS Code languageIds Genesis understands, and the grammar that parses each. */
const BY_VSCODE_LANGUAGE_ID: Readonly<Record<string, LanguageId>> = {
  python: 'python',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  // The JavaScript grammar parses JSX too.
  javascript: 'javascript',
  javascriptreact: 'javascript',
  rust: 'rust',
  go: 'go',
  // There is no C or CUDA grammar in @vscode/tree-sitter-wasm; the C++ one parses both well enough.
  cpp: 'cpp',
  c: 'cpp',
  'cuda-cpp': 'cpp',
};

const BY_EXTENSION: Readonly<Record<string, LanguageId>> = {
  '.py': 'python',
  '.pyi': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.rs': 'rust',
  '.go': 'go',
  '.c': 'cpp',
  '.h': 'cpp',
  '.cu': 'cpp',
  '.cuh': 'cpp',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.c++': 'cpp',
  '.hh': 'cpp',
  '.hpp': 'cpp',
  '.hxx': 'cpp',
};

/** For the `editorLangId in ...` part of a `when` clause. */
export const SUPPORTED_VSCODE_LANGUAGE_IDS: readonly string[] = Object.keys(BY_VSCODE_LANGUAGE_ID);

/** Every language Genesis can parse. */
export const LANGUAGE_IDS: readonly LanguageId[] = ['python', 'typescript', 'tsx', 'javascript', 'rust', 'go', 'cpp'];

/** The grammar file (in @vscode/tree-sitter-wasm's wasm/ folder, or dist/wasm) of each language. */
export const GRAMMAR_FILE: Readonly<Record<LanguageId, string>> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  rust: 'tree-sitter-rust.wasm',
  go: 'tree-sitter-go.wasm',
  cpp: 'tree-sitter-cpp.wasm',
};

/**
 * The language of a document. A known VS Code languageId wins (an untitled buffer has no useful
 * name); otherwise the file extension decides. Undefined when Genesis cannot parse it.
 */
export function languageFor(languageId: string | undefined, fileName: string): LanguageId | undefined {
  if (languageId !== undefined && Object.hasOwn(BY_VSCODE_LANGUAGE_ID, languageId)) {
    return BY_VSCODE_LANGUAGE_ID[languageId];
  }
  const extension = extname(fileName).toLowerCase();
  return Object.hasOwn(BY_EXTENSION, extension) ? BY_EXTENSION[extension] : undefined;
}

export function isLanguageId(value: string): value is LanguageId {
  return (LANGUAGE_IDS as readonly string[]).includes(value);
}
