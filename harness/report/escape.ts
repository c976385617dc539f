// Escaping for the reports. Everything that comes from outside (bodies,
// headers, logs, messages, configs) goes through one of these.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"'`]/g, (c) => HTML[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same as escapeHtml; named for call sites that build attributes. */
export const escapeAttr = escapeHtml;

/**
 * JSON that can sit inside <script type="application/json"> and never end it,
 * open a comment or break a line in old parsers: <, >, &, U+2028 and U+2029 are
 * written as \u escapes (still valid JSON, same value).
 */
export function jsonForScript(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Characters XML 1.0 cannot carry at all, not even as references: C0 controls
 * other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. They are shown
 * as a visible \uXXXX instead.
 */
const XML_ILLEGAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function xmlIllegal(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escape text for XML element content (]]> cannot occur: > is escaped). */
export function escapeXml(text: unknown): string {
  return String(text)
    .replace(XML_ILLEGAL, xmlIllegal)
    .replace(/[&<>]/g, (c) => HTML[c]);
}

/** Escape text for a double-quoted XML attribute; tab/CR/LF kept as references so parsers do not normalize them away. */
export function escapeXmlAttr(text: unknown): string {
  return escapeXml(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
