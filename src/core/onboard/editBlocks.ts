// Filling a template's marked EDIT blocks: the text from a `---- EDIT n` marker line up to the
// next `---- ` rule is replaced, so the rest of the template is used exactly as shipped.

export class TemplateDriftError extends Error {}

/**
 * Replaces the lines after the marker line containing `---- EDIT ${n}:` up to (not including) the
 * next line containing `---- ` with `body`; the marker line is replaced by `markerLine` when given.
 */
export function fillEditBlock(template: string, n: number, body: string, markerLine?: string): string {
  const lines = template.split('\n');
  const start = lines.findIndex((line) => line.includes(`---- EDIT ${n}:`));
  const end = lines.findIndex((line, i) => i > start && line.includes('---- '));
  if (start < 0 || end < 0) throw new TemplateDriftError(`the template has no "EDIT ${n}" block: was it edited?`);
  const bodyLines = body.replace(/\n$/, '').split('\n');
  return [...lines.slice(0, start), markerLine ?? lines[start], ...bodyLines, ...lines.slice(end)].join('\n');
}
