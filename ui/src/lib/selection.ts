// Selecting rows: click toggles, shift-click selects the range from the last click,
// "all that match" replaces the selection with the ids the engine returns.

export class Selection {
  ids = new Set<string>();
  anchor: number | null = null;

  /** A click on row `index` (id `id`); with shift, the range from the anchor. */
  click(index: number, id: string, shift: boolean, idAt: (i: number) => string | undefined): void {
    if (shift && this.anchor !== null) {
      const [from, to] = this.anchor <= index ? [this.anchor, index] : [index, this.anchor];
      for (let i = from; i <= to; i++) {
        const x = idAt(i);
        if (x !== undefined) this.ids.add(x);
      }
    } else if (this.ids.has(id)) {
      this.ids.delete(id);
    } else {
      this.ids.add(id);
    }
    this.anchor = index;
  }

  replace(ids: string[]): void {
    this.ids = new Set(ids);
    this.anchor = null;
  }

  clear(): void {
    this.ids = new Set();
    this.anchor = null;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
