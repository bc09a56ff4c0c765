// Keeps `response.warnings` within what the apiserver passes on as `Warning` headers:
// - apimachinery util/net NewWarningHeader refuses text with a control character, and the recorder
//   then drops that warning silently, so a multi-line message would vanish: one line each;
// - apiserver endpoints/filters/warning.go allows 4096 runes in all; past that it cuts every warning
//   to 256 runes with no marker. Staying under the total keeps the texts whole, and when they cannot
//   all fit, nsguard cuts them itself and says how many were left out.
// https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/apiserver/pkg/endpoints/filters/warning.go
export const WARNINGS_TOTAL_RUNES = 4096;
export const WARNING_ITEM_RUNES = 256;

const CONTROL = /\p{Cc}+/gu;

export function fitWarnings(texts: readonly string[]): string[] {
  const lines = [...new Set(texts.map((text) => text.replace(CONTROL, ' ').trim()).filter((text) => text !== ''))];
  if (total(lines) <= WARNINGS_TOTAL_RUNES) return lines;

  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    const cut = truncate(line, WARNING_ITEM_RUNES);
    const left = lines.length - index - 1;
    // Room for this line and, if any remain, for the line that counts them.
    const reserve = left > 0 ? runes(moreLine(left)) : 0;
    if (used + runes(cut) + reserve > WARNINGS_TOTAL_RUNES) {
      kept.push(moreLine(lines.length - index));
      return kept;
    }
    kept.push(cut);
    used += runes(cut);
  }
  return kept;
}

function moreLine(count: number): string {
  return `(${count} more; see the nsguard audit log)`;
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 3).join('')}...`;
}

/** Go counts runes (code points), not UTF-16 units. */
function runes(text: string): number {
  return [...text].length;
}

function total(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + runes(line), 0);
}
