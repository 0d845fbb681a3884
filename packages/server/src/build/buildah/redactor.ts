/** Masks secret values (build secrets, registry passwords and tokens) in text before it is logged or reported. */

/** Shortest line of a multi-line secret masked on its own. */
const MIN_PART_CHARS = 4;

/** Replaces every occurrence of the given secrets with `***`. */
export class Redactor {
  private readonly needles: string[];

  /** `secrets`: the values to mask; a multi-line value is also masked line by line. */
  constructor(secrets: Iterable<string>) {
    const set = new Set<string>();
    for (const s of secrets) {
      if (s === '') continue;
      set.add(s);
      for (const part of s.split(/\r?\n/)) if (part.trim().length >= MIN_PART_CHARS) set.add(part);
    }
    // Longest first, so a secret that contains another is masked whole.
    this.needles = [...set].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret masked. */
  redact(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join('***');
    return out;
  }
}
