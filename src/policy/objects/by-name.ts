/**
 * Code-unit order of names, the same on every machine (unlike localeCompare): the order every ClusterView
 * lists a namespace's policies in, which a review relies on to put a changed policy in at its place.
 */
export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
