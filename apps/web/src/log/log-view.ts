import { h, replace } from "../dom.js";
import type { LogLines } from "./lines.js";

/** Fixed row height: lets the view place any of 50,000 lines without measuring them. */
export const ROW_PX = 18;
const OVERSCAN = 20;
/** A line longer than this is cut on screen (search still reads all of it). */
const SHOWN_CHARS = 2000;

/**
 * A log that renders only the rows in view (a spacer keeps the scrollbar true), follows new
 * lines until the reader scrolls up, and searches every line with next/previous.
 */
export class LogView {
  readonly el: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly jump: HTMLButtonElement;
  private readonly count: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly total: HTMLElement;
  private follow = true;
  private scheduled = false;
  private query = "";
  private hits: number[] = [];
  private hitSet = new Set<number>();
  private current = -1;
  private searched = 0;

  constructor(
    private readonly lines: LogLines,
    state: HTMLElement,
  ) {
    this.spacer = h("div", { class: "log-spacer" });
    this.rows = h("div", { class: "log-rows" });
    this.viewport = h("div", { class: "log", id: "log", tabindex: 0, role: "log" }, this.spacer, this.rows);
    this.jump = h("button", { id: "follow", hidden: true, type: "button" }, "Paused — jump to latest");
    this.search = h("input", {
      id: "log-search",
      type: "search",
      placeholder: "search the log",
      "aria-label": "search the log",
    });
    this.count = h("span", { class: "muted", id: "log-search-count" });
    const prev = h("button", { id: "log-prev", type: "button", title: "previous match" }, "↑");
    const next = h("button", { id: "log-next", type: "button", title: "next match (Enter)" }, "↓");
    this.total = h("span", { class: "muted", id: "log-lines" });
    this.el = h(
      "div",
      { class: "log-box" },
      h(
        "div",
        { class: "toolbar" },
        state,
        this.total,
        this.jump,
        h("span", { class: "grow" }),
        this.search,
        prev,
        next,
        this.count,
      ),
      this.viewport,
    );
    this.viewport.addEventListener("scroll", () => {
      const atEnd = this.viewport.scrollHeight - this.viewport.scrollTop - this.viewport.clientHeight < ROW_PX * 2;
      this.follow = atEnd;
      this.jump.hidden = atEnd;
      this.schedule();
    });
    this.jump.addEventListener("click", () => this.toEnd());
    let typing: ReturnType<typeof setTimeout> | undefined;
    this.search.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => this.find(this.search.value), 150);
    });
    this.search.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      clearTimeout(typing);
      if (this.search.value !== this.query) this.find(this.search.value);
      else this.step(e.shiftKey ? -1 : 1);
    });
    next.addEventListener("click", () => this.step(1));
    prev.addEventListener("click", () => this.step(-1));
  }

  /** Call after lines were added: draws on the next frame (many events, one draw). */
  changed(): void {
    this.schedule();
  }

  /** Scrolls to the newest line and follows again. */
  toEnd(): void {
    this.follow = true;
    this.jump.hidden = true;
    this.draw();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private find(query: string): void {
    this.query = query;
    this.hits = this.lines.find(query);
    this.hitSet = new Set(this.hits);
    this.searched = this.lines.length;
    this.current = -1;
    if (this.hits.length) this.step(1);
    else this.draw();
  }

  /** Moves to the next (1) or previous (-1) match, pausing the follow so it stays in view. */
  private step(direction: 1 | -1): void {
    this.catchUp();
    if (!this.hits.length) {
      this.draw();
      return;
    }
    this.current = (this.current + direction + this.hits.length) % this.hits.length;
    this.follow = false;
    this.jump.hidden = false;
    const line = this.hits[this.current]!;
    this.viewport.scrollTop = Math.max(0, line * ROW_PX - this.viewport.clientHeight / 2);
    this.draw();
  }

  /** New lines are searched as they arrive. */
  private catchUp(): void {
    if (!this.query || this.searched >= this.lines.length) return;
    for (const i of this.lines.find(this.query, this.searched)) {
      this.hits.push(i);
      this.hitSet.add(i);
    }
    this.searched = this.lines.length;
  }

  private draw(): void {
    this.catchUp();
    const n = this.lines.length;
    this.spacer.style.height = `${n * ROW_PX}px`;
    if (this.follow) this.viewport.scrollTop = this.viewport.scrollHeight;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_PX) - OVERSCAN);
    const last = Math.min(n, Math.ceil((this.viewport.scrollTop + this.viewport.clientHeight) / ROW_PX) + OVERSCAN);
    this.rows.style.transform = `translateY(${first * ROW_PX}px)`;
    const currentLine = this.current >= 0 ? this.hits[this.current] : -1;
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) out.push(this.row(i, i === currentLine));
    if (n === 0) out.push(h("div", { class: "meta", id: "log-empty" }, "No output yet: lines appear as the job runs."));
    this.rows.replaceChildren(...out);
    replace(this.total, `${n.toLocaleString("en")} lines`);
    replace(
      this.count,
      this.query ? `${this.hits.length ? this.current + 1 : 0} of ${this.hits.length.toLocaleString("en")}` : "",
    );
  }

  private row(i: number, current: boolean): HTMLElement {
    const text = this.lines.text[i]!;
    const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
    const cls = `${this.lines.kind[i]}${this.hitSet.has(i) ? " match" : ""}${current ? " current" : ""}`;
    const row = h("div", { class: cls, "data-line": i + 1 });
    if (!this.hitSet.has(i)) {
      row.textContent = shown || " ";
      return row;
    }
    // Marks each occurrence of the query in the line.
    const lower = shown.toLowerCase();
    const q = this.query.toLowerCase();
    let at = 0;
    for (let found = lower.indexOf(q); found >= 0; found = lower.indexOf(q, at)) {
      row.append(shown.slice(at, found), h("mark", {}, shown.slice(found, found + q.length)));
      at = found + q.length;
    }
    row.append(shown.slice(at));
    return row;
  }
}
