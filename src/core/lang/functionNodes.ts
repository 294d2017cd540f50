// Which syntax nodes are functions Genesis can evolve, their names, and the text range each owns
// (decorators, attributes, `export`, `const x =`, `template <...>` included).
import type { Node, Tree } from 'web-tree-sitter';
import type { FunctionLocation, LanguageId } from '../types';

/** A function node plus the range it owns in the file. */
interface FunctionMatch {
  name: string;
  kind: string;
  start: Node;
  end: Node;
}

/** Node types that can be functions, per language. */
const FUNCTION_TYPES: Readonly<Record<LanguageId, ReadonlySet<string>>> = (() => {
  const script = new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function', 'generator_function']);
  return {
    python: new Set(['function_definition']),
    typescript: script,
    tsx: script,
    javascript: script,
    rust: new Set(['function_item']),
    go: new Set(['function_declaration', 'method_declaration']),
    cpp: new Set(['function_definition']),
  };
})();

/** The function node itself, if `node` is one Genesis evolves (named, not a callback). */
function describeFunction(node: Node, language: LanguageId): FunctionMatch | null {
  switch (language) {
    case 'python':
      return describePython(node);
    case 'typescript':
    case 'tsx':
    case 'javascript':
      return describeScript(node);
    case 'rust':
      return node.type === 'function_item' ? named(node, fieldText(node, 'name'), withLeading(node, 'attribute_item'), node) : null;
    case 'go':
      return node.type === 'function_declaration' || node.type === 'method_declaration'
        ? named(node, fieldText(node, 'name'), node, node)
        : null;
    case 'cpp':
      return describeCpp(node);
  }
}

function describePython(node: Node): FunctionMatch | null {
  if (node.type !== 'function_definition') return null;
  const outer = node.parent?.type === 'decorated_definition' ? node.parent : node;
  return named(node, fieldText(node, 'name'), outer, outer);
}

const SCRIPT_DECLARATIONS = new Set(['function_declaration', 'generator_function_declaration']);
const SCRIPT_EXPRESSIONS = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

function describeScript(node: Node): FunctionMatch | null {
  if (SCRIPT_DECLARATIONS.has(node.type)) {
    const outer = exportOf(node);
    return named(node, fieldText(node, 'name'), outer, outer);
  }
  if (node.type === 'method_definition') {
    // TypeScript puts method decorators beside the method in the class body; JavaScript inside it.
    return named(node, fieldText(node, 'name'), withLeading(node, 'decorator'), node);
  }
  if (!SCRIPT_EXPRESSIONS.has(node.type)) return null;
  const parent = node.parent;
  if (!parent || !isField(parent, 'value', node)) return null; // e.g. a callback argument
  switch (parent.type) {
    case 'variable_declarator': {
      const name = parent.childForFieldName('name');
      if (name?.type !== 'identifier') return null; // destructuring: no single name
      const declaration = parent.parent;
      // Own the whole statement only when this is its sole declarator, so a rewrite cannot drop a sibling.
      const outer = declaration && namedChildrenOfType(declaration, 'variable_declarator').length === 1
        ? exportOf(declaration)
        : parent;
      return named(node, name.text, outer, outer);
    }
    case 'public_field_definition': // TypeScript class field
    case 'field_definition': { // JavaScript class field
      const name = parent.childForFieldName('name') ?? parent.childForFieldName('property');
      return named(node, name?.text, withLeading(parent, 'decorator'), parent);
    }
    case 'export_statement': // export default function () {}
      return named(node, 'default', parent, parent);
    default:
      return null;
  }
}

function describeCpp(node: Node): FunctionMatch | null {
  if (node.type !== 'function_definition') return null;
  let outer = node;
  while (outer.parent?.type === 'template_declaration') outer = outer.parent;
  return named(node, cppDeclaratorName(node), outer, outer);
}

/** Follows the declarator chain (pointer, reference, function declarators) to the declared name. */
function cppDeclaratorName(definition: Node): string | undefined {
  let declarator = definition.childForFieldName('declarator');
  while (declarator) {
    switch (declarator.type) {
      case 'qualified_identifier':
        // `static __device__ float f()` parses as `float::f` with a missing `::`: keep the real name.
        if (declarator.hasError) {
          declarator = declarator.childForFieldName('name');
          continue;
        }
        return declarator.text.replace(/\s+/g, '');
      case 'identifier':
      case 'field_identifier':
      case 'destructor_name':
      case 'operator_name':
      case 'operator_cast':
        return declarator.text.replace(/\s+/g, ' ').trim();
      case 'template_function': // explicit specialization: foo<int>
        return fieldText(declarator, 'name');
      default:
        // reference_declarator has no 'declarator' field; its declarator is its last named child.
        declarator = declarator.childForFieldName('declarator') ?? declarator.namedChild(declarator.namedChildCount - 1);
    }
  }
  return undefined;
}

/**
 * The function a wrapper node stands for, when the cursor sits on the wrapper itself: a decorator
 * line, the `export` or `const` keyword, a `template <...>` line, a Rust attribute.
 */
function wrappedFunction(node: Node): Node | null {
  switch (node.type) {
    case 'decorated_definition':
      return node.childForFieldName('definition');
    case 'export_statement':
      return node.childForFieldName('declaration') ?? node.childForFieldName('value');
    case 'lexical_declaration':
    case 'variable_declaration': {
      const declarators = namedChildrenOfType(node, 'variable_declarator');
      return declarators.length === 1 ? declarators[0].childForFieldName('value') : null;
    }
    case 'variable_declarator':
    case 'public_field_definition':
    case 'field_definition':
      return node.childForFieldName('value');
    case 'template_declaration':
      return namedChildrenOfType(node, 'function_definition')[0] ?? namedChildrenOfType(node, 'template_declaration')[0] ?? null;
    case 'decorator':
    case 'attribute_item': {
      let next = node.nextNamedSibling;
      while (next && next.type === node.type) next = next.nextNamedSibling;
      return next;
    }
    default:
      return null;
  }
}

/** The innermost evolvable function whose range contains `offset` (walking up from `node`). */
export function functionContaining(
  node: Node,
  offset: number,
  language: LanguageId,
  text: string,
): FunctionLocation | null {
  for (let current: Node | null = node; current; current = current.parent) {
    let match = describeFunction(current, language);
    // Wrappers can nest (export > const > arrow; template > template > function).
    for (let inner = wrappedFunction(current); !match && inner; inner = wrappedFunction(inner)) {
      match = describeFunction(inner, language);
    }
    if (match && match.start.startIndex <= offset && offset <= match.end.endIndex) {
      return toLocation(match, language, text);
    }
  }
  return null;
}

/** Every evolvable function in the tree, in source order (nested ones included). */
export function allFunctions(tree: Tree, language: LanguageId, text: string): FunctionLocation[] {
  const found: FunctionLocation[] = [];
  // One WASM call for all candidates; walking every node from JS costs several times the parse.
  for (const node of tree.rootNode.descendantsOfType([...FUNCTION_TYPES[language]])) {
    const match = node && describeFunction(node, language);
    if (match) found.push(toLocation(match, language, text));
  }
  return found.sort((a, b) => a.startIndex - b.startIndex);
}

// web-tree-sitter parses JS strings as UTF-16, so node indices are already string indices.
function toLocation(match: FunctionMatch, language: LanguageId, text: string): FunctionLocation {
  const startIndex = match.start.startIndex;
  const endIndex = match.end.endIndex;
  return {
    name: match.name,
    language,
    kind: match.kind,
    startIndex,
    endIndex,
    startLine: match.start.startPosition.row,
    endLine: match.end.endPosition.row,
    text: text.slice(startIndex, endIndex),
  };
}

function named(fn: Node, name: string | undefined, start: Node, end: Node): FunctionMatch | null {
  return name ? { name, kind: fn.type, start, end } : null;
}

function fieldText(node: Node, field: string): string | undefined {
  return node.childForFieldName(field)?.text;
}

function isField(parent: Node, field: string, child: Node): boolean {
  const value = parent.childForFieldName(field);
  return value !== null && value.equals(child);
}

/** The earliest of the siblings of type `type` directly before `node` (decorators, attributes). */
function withLeading(node: Node, type: string): Node {
  let start = node;
  for (let previous = node.previousNamedSibling; previous?.type === type; previous = previous.previousNamedSibling) {
    start = previous;
  }
  return start;
}

function exportOf(node: Node): Node {
  return node.parent?.type === 'export_statement' ? node.parent : node;
}

function namedChildrenOfType(node: Node, type: string): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null && child.type === type);
}
