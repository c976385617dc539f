// Text from files someone else wrote (resource names, hosts, importer notes
// quoting them) on its way to a terminal: C0 and C1 controls, DEL and the
// Unicode line separators are shown as visible escapes (\n, \u001b), since a
// terminal acts on them (ESC starts a control sequence, CR rewrites the line)
// and a newline would split one line of output in two. report/escape.ts and
// targets/shared/values.ts commentText do the same for HTML and config comments.

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => SHORT[ch] ?? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
