/**
 * A build's log in the page, live or from the file, for logs of any size: at most `maxLines`
 * lines are in the DOM (the oldest go first while it follows; "Load earlier" reads the file
 * backwards by byte ranges), new lines are added once per animation frame, ANSI colours are
 * rendered by ansi_up (which escapes HTML), and the view follows the end until the person scrolls
 * up, and again once they scroll back down.
 */
import { AnsiUp } from "/assets/vendor/ansi_up.js";
import { LineSplitter } from "./log-lines.js";

const FOLLOW_SLACK_PX = 24;

export class LogView {
  /**
   * @param {HTMLElement} scroller the scrolling box (`role="log"`)
   * @param {{ maxLines?: number, onFollowChange?: (following: boolean) => void }} o
   */
  constructor(scroller, o = {}) {
    this.scroller = scroller;
    this.maxLines = o.maxLines ?? 5000;
    this.onFollowChange = o.onFollowChange ?? (() => {});
    this.lines = document.createElement("div");
    this.lines.className = "log-lines";
    scroller.replaceChildren(this.lines);
    this.following = true;
    this.pending = [];
    this.partialEl = null;
    this.splitter = new LineSplitter();
    this.ansi = newAnsi();
    this.frame = 0;
    /** Lines removed from the top to keep the DOM small. */
    this.droppedBefore = 0;
    /** Lines removed from the bottom (after reading far back). */
    this.droppedAfter = 0;
    // Following is decided by where the box is scrolled to: the page's own scrolls either go to
    // the end (following) or keep a place away from it (not following), so each scroll event,
    // whoever caused it, says it right.
    scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
  }

  get lineCount() {
    return this.lines.childElementCount;
  }

  /** Everything shown, as text (tests and "copy"). */
  text() {
    return this.lines.innerText;
  }

  clear() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pending = [];
    this.lines.replaceChildren();
    this.partialEl = null;
    this.splitter = new LineSplitter();
    this.ansi = newAnsi();
    this.droppedBefore = 0;
    this.droppedAfter = 0;
  }

  /** Streamed text (live chunks): whole lines go in, the unfinished one shows until it ends. */
  appendText(text) {
    for (const line of this.splitter.push(text)) this.pending.push(line);
    this.schedule();
  }

  /** Whole lines at the end. */
  appendLines(lines) {
    for (const line of lines) this.pending.push(line);
    this.schedule();
  }

  /** A line of the page's own (an attempt restarting, a gap), styled apart from the build's output. */
  appendNote(text) {
    this.flush();
    this.lines.append(lineElement(null, text, "log-note"));
    this.trimTop();
    this.stick();
  }

  /**
   * Earlier lines, above what is shown. The view moves to them: they fill the box, with the first
   * line shown before peeking in at its bottom.
   */
  prependLines(lines) {
    this.flush();
    if (lines.length === 0) return;
    const ansi = newAnsi();
    const fragment = document.createDocumentFragment();
    for (const line of lines) fragment.append(lineElement(ansi, line));
    const boundary = this.lines.firstElementChild;
    this.lines.prepend(fragment);
    this.droppedBefore = Math.max(0, this.droppedBefore - lines.length);
    this.setFollowing(false);
    // Too many now: the end goes ("Show the end" brings it back).
    let extra = this.lines.childElementCount - this.maxLines;
    if (extra > 0) this.partialEl = null;
    while (extra-- > 0 && this.lines.lastElementChild && this.lines.lastElementChild !== boundary) {
      this.lines.lastElementChild.remove();
      this.droppedAfter++;
    }
    if (boundary) {
      const top = boundary.getBoundingClientRect().top - this.scroller.getBoundingClientRect().top + this.scroller.scrollTop;
      this.scroller.scrollTop = Math.max(0, top + boundary.offsetHeight * 2 - this.scroller.clientHeight);
    }
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  /** Puts the pending lines in the DOM: one fragment, one trim, one scroll. */
  flush() {
    if (this.pending.length === 0 && (this.partialEl?.dataset.text ?? "") === this.splitter.partial) return;
    const pending = this.pending;
    this.pending = [];
    // Only the last maxLines of a burst can stay: the rest is counted, never built.
    const skip = Math.max(0, pending.length - this.maxLines);
    this.droppedBefore += skip;
    if (skip > 0) {
      // Their colours still count for the lines after them (only escape codes change them).
      for (let i = 0; i < skip; i++) if (pending[i].includes("\x1b")) this.ansi.ansi_to_html(pending[i]);
    }
    // The unfinished line shown last is either finished now (among the pending ones) or longer.
    this.partialEl?.remove();
    this.partialEl = null;
    const fragment = document.createDocumentFragment();
    for (let i = skip; i < pending.length; i++) fragment.append(lineElement(this.ansi, pending[i]));
    this.lines.append(fragment);
    if (this.splitter.partial !== "") {
      // Rendered with a copy of the colour state: the line is rendered again when it ends.
      this.partialEl = lineElement(cloneAnsi(this.ansi), this.splitter.partial, "log-partial");
      this.partialEl.dataset.text = this.splitter.partial;
      this.lines.append(this.partialEl);
    }
    this.trimTop();
    this.stick();
  }

  trimTop() {
    let extra = this.lines.childElementCount - this.maxLines;
    if (extra <= 0) return;
    const before = this.scroller.scrollHeight;
    while (extra-- > 0 && this.lines.firstElementChild) {
      this.lines.firstElementChild.remove();
      this.droppedBefore++;
    }
    if (!this.following) {
      // Keep the lines the person reads where they are.
      this.scroller.scrollTop -= before - this.scroller.scrollHeight;
    }
  }

  stick() {
    if (!this.following) return;
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Back to the end, following it. */
  follow() {
    this.setFollowing(true);
    this.stick();
  }

  setFollowing(value) {
    if (this.following === value) return;
    this.following = value;
    this.onFollowChange(value);
  }

  onScroll() {
    const atEnd = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - FOLLOW_SLACK_PX;
    this.setFollowing(atEnd && this.droppedAfter === 0);
  }
}

function newAnsi() {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  return ansi;
}

/** ansi_up keeps its colour state in plain fields: a copy renders a line without moving the original's state. */
function cloneAnsi(ansi) {
  return Object.assign(Object.create(Object.getPrototypeOf(ansi)), ansi);
}

function lineElement(ansi, text, className = "") {
  const el = document.createElement("div");
  el.className = className ? `log-line ${className}` : "log-line";
  if (ansi === null || !text.includes("\x1b")) {
    // No escape codes (most lines): plain text, no HTML parsing at all. Colours that started on
    // an earlier line still apply through ansi_up's state only when codes appear.
    if (ansi !== null && ansiActive(ansi)) el.innerHTML = ansi.ansi_to_html(text);
    else el.textContent = text;
  } else {
    el.innerHTML = ansi.ansi_to_html(text);
  }
  return el;
}

/** Whether a colour or style set by an earlier line is still on (its text must be rendered by ansi_up). */
function ansiActive(ansi) {
  return Boolean(ansi.fg || ansi.bg || ansi.bold || ansi.faint || ansi.italic || ansi.underline);
}
