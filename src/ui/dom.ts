/**
 * Building the page's DOM. Every text goes in as a text node, never as HTML, so a draft holding
 * `<script>` or a markdown `javascript:` link shows as the characters it is.
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** A long text folded to its first lines, with a button to unfold it. */
export function foldedText(text: string, lines = 8): HTMLElement {
  const pre = el('pre', { class: 'text' }, text);
  const long = text.split('\n').length > lines || text.length > lines * 100;
  if (!long) return pre;
  pre.classList.add('folded');
  const toggle = el('button', { type: 'button', class: 'fold', 'aria-expanded': 'false' }, 'show all');
  toggle.addEventListener('click', () => {
    const folded = pre.classList.toggle('folded');
    toggle.textContent = folded ? 'show all' : 'fold';
    toggle.setAttribute('aria-expanded', String(!folded));
  });
  return el('div', { class: 'foldable' }, pre, toggle);
}

export function clear(element: Element): void {
  element.replaceChildren();
}
