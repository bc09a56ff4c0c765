// Text bound for a terminal or a CI log. Names and label values come from files anyone can write (the
// policy a pull request adds), and a control character in one (a cursor move, a cleared line, an OSC
// title or link, a colour code concealing the rest of the line) would change what the reader sees.
import { randomBytes } from 'node:crypto';

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Stands for ESC in the colour codes nsguard writes itself: unguessable, so no text from a file can hold
 * one, and turned into ESC only after every control character of the text has been escaped.
 */
export const COLOUR_ESCAPE = `\uE000${randomBytes(8).toString('hex')}\uE001`;

const COLOUR_CODE = new RegExp(`${COLOUR_ESCAPE}\\[[0-9;]*m`, 'g');

/**
 * Every C0 and C1 control but newline and tab as `\u001b`: the form JSON and YAML read as the same
 * character, so their output stays valid and means the same; then nsguard's own colour codes.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, escapeControl).replaceAll(COLOUR_ESCAPE, '\u001b');
}

/** How wide a text prints: escaped controls take their escape's width, colour codes none. */
export function printedWidth(text: string): number {
  return text.replace(COLOUR_CODE, '').replace(CONTROLS, escapeControl).length;
}

function escapeControl(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
