// Regex sources built from literal text and from OpenAPI path templates,
// shared by the spec model, the mocks' validation, the renderers and redaction.

/** `s` as a literal inside a regex: every metacharacter escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `^...$` matching a path template: the literal parts escaped, each `{name}`
 * one segment as `param` (`[^/]+` to match, `([^/]+)` to capture); `names`
 * lists the parameters in order.
 */
export function pathTemplateSource(template: string, param = '[^/]+'): { source: string; names: string[] } {
  const names: string[] = [];
  let source = '^';
  let last = 0;
  const re = /\{([^}/]+)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    source += escapeRegExp(template.slice(last, m.index)) + param;
    names.push(m[1]);
    last = m.index + m[0].length;
  }
  return { source: `${source}${escapeRegExp(template.slice(last))}$`, names };
}
