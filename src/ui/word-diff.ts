/**
 * A word diff between a draft and its revision, for the run page: both texts cut into words and
 * the whitespace between them, compared with Myers' O(ND) algorithm after the common start and end
 * are set aside. Revisions are surgical, so D is small; past `maxEdits` the texts count as
 * rewritten (all removed, all added) rather than costing the page seconds. Pure: no DOM.
 */
export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export function tokenize(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

export function wordDiff(before: string, after: string, maxEdits = 2000): DiffPart[] {
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const parts: DiffPart[] = [];
  const push = (kind: DiffPart['kind'], token: string): void => {
    const last = parts.at(-1);
    if (last?.kind === kind) last.text += token;
    else parts.push({ kind, text: token });
  };
  for (const token of a.slice(0, start)) push('same', token);
  const middle = myers(a.slice(start, endA), b.slice(start, endB), maxEdits);
  for (const [kind, token] of middle) push(kind, token);
  for (const token of a.slice(endA)) push('same', token);
  return parts;
}

/** The edit script from a to b, in order; a replacement of everything when it needs more than maxEdits edits. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): [DiffPart['kind'], string][] {
  const n = a.length;
  const m = b.length;
  const rewritten = (): [DiffPart['kind'], string][] => [...a.map((t): [DiffPart['kind'], string] => ['removed', t]), ...b.map((t): [DiffPart['kind'], string] => ['added', t])];
  if (n === 0 || m === 0) return rewritten();
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
    v = next;
  }
  return rewritten();
}

function backtrack(trace: Int32Array[], a: readonly string[], b: readonly string[], offset: number, depth: number): [DiffPart['kind'], string][] {
  const script: [DiffPart['kind'], string][] = [];
  let x = a.length;
  let y = b.length;
  for (let d = depth; d > 0; d--) {
    const v = trace[d] as Int32Array; // the furthest points after d - 1 edits
    const k = x - y;
    const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX + (down ? 0 : 1) && y > prevY + (down ? 1 : 0)) script.push(['same', a[--x] as string]), y--;
    if (down) script.push(['added', b[--y] as string]);
    else script.push(['removed', a[--x] as string]);
  }
  while (x > 0 && y > 0) script.push(['same', a[--x] as string]), y--;
  return script.reverse();
}
