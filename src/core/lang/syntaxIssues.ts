// Syntax problems in a parse tree: ERROR and MISSING nodes, as short, located messages; for
// Python also the indentation errors the grammar lets through.
import type { Node, Tree } from 'web-tree-sitter';
import type { LanguageId, SyntaxIssue } from '../types';
import { pythonIndentationIssues } from './pythonIndentation';

export const MAX_SYNTAX_ISSUES = 20;
const SNIPPET_LENGTH = 30;

/**
 * The ERROR and MISSING nodes of the tree, outermost first, at most `limit`. For C++ the CUDA
 * extensions the grammar does not know (`__global__`, `kernel<<<grid, block>>>`) are not issues.
 * For Python, IndentationError/TabError lines join them (in line order), one issue per line.
 */
export function collectSyntaxIssues(
  tree: Tree,
  text: string,
  language: LanguageId,
  limit = MAX_SYNTAX_ISSUES,
): SyntaxIssue[] {
  const issues: SyntaxIssue[] = [];
  const visit = (node: Node): void => {
    if (issues.length >= limit) return;
    if ((node.isMissing || node.isError) && language === 'cpp' && isCudaArtifact(node, text)) return;
    if (node.isMissing) {
      issues.push(issueAt(node, missingMessage(node)));
      return;
    }
    if (node.isError) {
      issues.push(issueAt(node, errorMessage(node)));
      return; // one message per broken region
    }
    if (!node.hasError) return;
    for (const child of node.children) {
      if (child) visit(child);
    }
  };
  visit(tree.rootNode);
  if (language !== 'python' || issues.length >= limit) return issues;
  const taken = new Set(issues.map((issue) => issue.line));
  const indentation = pythonIndentationIssues(text, limit).filter((issue) => !taken.has(issue.line));
  return [...issues, ...indentation].sort((a, b) => a.line - b.line || a.column - b.column).slice(0, limit);
}

function issueAt(node: Node, message: string): SyntaxIssue {
  return { line: node.startPosition.row, column: node.startPosition.column, message };
}

function missingMessage(node: Node): string {
  return node.isNamed ? `missing ${node.type.replace(/_/g, ' ')}` : `missing \`${node.type}\``;
}

function errorMessage(node: Node): string {
  const firstLine = node.text.trim().split('\n')[0].trim();
  if (!firstLine) return 'syntax error';
  const snippet = firstLine.length > SNIPPET_LENGTH ? `${firstLine.slice(0, SNIPPET_LENGTH)}…` : firstLine;
  return `syntax error near \`${snippet}\``;
}

const CUDA_QUALIFIER = /\b__(global|device|host|forceinline|noinline|shared|constant|managed|launch_bounds)__\b/;
const LAUNCH_BOUNDS = /\b__launch_bounds__\s*\([^()]*\)/g;

/**
 * The C++ grammar stumbles on CUDA function qualifiers: `__global__ void f()` takes `__global__`
 * as the type and puts `void` in an ERROR node; `static __device__ inline float f()` invents a
 * missing `::`. Such an issue sits in the head of a function definition made only of words (and
 * `__launch_bounds__(...)`), one of them a CUDA qualifier.
 */
function isCudaQualifierArtifact(node: Node, text: string): boolean {
  let owner = node.parent;
  while (owner && owner.type !== 'function_definition' && owner.type !== 'declaration') owner = owner.parent;
  if (!owner) return false;
  const head = text.slice(owner.startIndex, node.endIndex);
  return CUDA_QUALIFIER.test(head) && /^[\w\s]*$/.test(head.replace(LAUNCH_BOUNDS, ' '));
}

/** `kernel<<<grid, block>>>(...)` parses as `kernel << <MISSING identifier> < grid, block >> > (...)`. */
function isCudaLaunchArtifact(node: Node, text: string): boolean {
  return node.isMissing && node.type === 'identifier' && node.startIndex >= 2
    && text.slice(node.startIndex - 2, node.startIndex + 1) === '<<<';
}

function isCudaArtifact(node: Node, text: string): boolean {
  return isCudaLaunchArtifact(node, text) || isCudaQualifierArtifact(node, text);
}
