// A strict reader for the XML nsguard writes (JUnit reports): an optional XML declaration and one element
// tree of elements, attributes and text, nothing else. Anything not well-formed XML 1.0 throws: an
// unescaped `<` or `&`, `]]>` in text, an unknown entity, a reference to or a literal character XML does
// not allow, a mismatched or unclosed tag, a repeated attribute. Values come back decoded.

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (XmlElement | string)[];
}

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const SPACE = /[ \t\r\n]*/y;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML 1.0 Char: tab, newline, return, and U+0020 up, less surrogates and U+FFFE/U+FFFF. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

export function parseXml(text: string): XmlElement {
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (!isXmlChar(code)) throw new Error(`character U+${code.toString(16).padStart(4, '0')} is not allowed in XML`);
  }
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${at}: ${JSON.stringify(text.slice(at, at + 30))}`);
  };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (m === null) return undefined;
    at += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => void match(SPACE);
  const expect = (literal: string): void => {
    if (!text.startsWith(literal, at)) fail(`expected ${JSON.stringify(literal)}`);
    at += literal.length;
  };

  /** Text up to `stop`, references decoded; `<` and a bare `&` are errors. */
  const characters = (stop: (c: string) => boolean, inText: boolean): string => {
    let out = '';
    while (at < text.length && !stop(text[at] as string)) {
      const c = text[at] as string;
      if (c === '<') fail('unescaped <');
      if (inText && text.startsWith(']]>', at)) fail(']]> in text');
      if (c === '&') {
        const end = text.indexOf(';', at);
        if (end === -1) fail('unterminated reference');
        const ref = text.slice(at + 1, end);
        let decoded: string | undefined;
        if (/^#[0-9]+$/.test(ref) || /^#x[0-9A-Fa-f]+$/.test(ref)) {
          const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
          if (!isXmlChar(code)) fail(`reference to a character XML does not allow (&${ref};)`);
          decoded = String.fromCodePoint(code);
        } else decoded = ENTITIES[ref];
        if (decoded === undefined) fail(`unknown entity &${ref};`);
        out += decoded;
        at = end + 1;
        continue;
      }
      // Attribute-value normalisation: a literal tab, newline or return reads as a space.
      out += !inText && (c === '\t' || c === '\n' || c === '\r') ? ' ' : c;
      at++;
    }
    return out;
  };

  const element = (): XmlElement => {
    expect('<');
    const name = match(NAME) ?? fail('expected an element name');
    const attributes: Record<string, string> = {};
    for (;;) {
      const spaced = match(SPACE) !== '';
      if (text.startsWith('/>', at)) {
        at += 2;
        return { name, attributes, children: [] };
      }
      if (text.startsWith('>', at)) {
        at += 1;
        break;
      }
      if (!spaced) fail('expected a space before an attribute');
      const attribute = match(NAME) ?? fail('expected an attribute name');
      if (attribute in attributes) fail(`attribute ${attribute} repeated`);
      skipSpace();
      expect('=');
      skipSpace();
      const quote = text[at];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      at++;
      attributes[attribute] = characters((c) => c === quote, false);
      expect(quote as string);
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (at >= text.length) fail(`<${name}> is not closed`);
      if (text.startsWith('</', at)) {
        at += 2;
        const closing = match(NAME);
        if (closing !== name) fail(`</${closing ?? ''}> closes <${name}>`);
        skipSpace();
        expect('>');
        return { name, attributes, children };
      }
      if (text.startsWith('<!', at) || text.startsWith('<?', at)) fail('comments, CDATA, DOCTYPE and processing instructions are not expected');
      if (text[at] === '<') children.push(element());
      else children.push(characters((c) => c === '<', true));
    }
  };

  if (text.startsWith('<?xml', at)) {
    const end = text.indexOf('?>', at);
    if (end === -1 || !/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(text.slice(at, end + 2))) fail('bad XML declaration');
    at = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (at !== text.length) fail('content after the root element');
  return root;
}

/** The child elements named `name`. */
export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** The text of an element's own text children. */
export function textOf(element: XmlElement): string {
  return element.children.filter((c): c is string => typeof c === 'string').join('');
}
