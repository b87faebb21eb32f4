// The side panel (a bottom sheet on small screens) that shows a whole article with the
// quoted sentence highlighted and scrolled into view.
import { h, clear, prefersReducedMotion } from "./dom.js";
import { getJSON } from "./api.js";
import { formatDate } from "./render.js";

const SHEET = window.matchMedia("(max-width: 760px)");

export class DocumentPanel {
  constructor() {
    this.panel = document.getElementById("doc-panel");
    this.title = document.getElementById("panel-title");
    this.kicker = document.getElementById("panel-kicker");
    this.subtitle = document.getElementById("panel-subtitle");
    this.meta = document.getElementById("panel-meta");
    this.body = document.getElementById("panel-body");
    this.backdrop = document.getElementById("backdrop");
    this.app = document.getElementById("app");
    // What a modal sheet covers: made inert while it is open.
    this.behind = [document.getElementById("chat"), document.querySelector(".topbar")];
    this.cache = new Map();
    this.opener = null;
    this.request = 0;

    document.getElementById("panel-close").addEventListener("click", () => this.close());
    this.backdrop.addEventListener("click", () => this.close());
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen && !event.defaultPrevented) {
        event.preventDefault();
        this.close();
      }
    });
    SHEET.addEventListener("change", () => this.applyMode());
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  /** On a phone the sheet is modal: the chat behind it is inert until it closes. */
  applyMode() {
    const sheet = SHEET.matches && this.isOpen;
    this.panel.setAttribute("aria-modal", sheet ? "true" : "false");
    this.backdrop.hidden = !sheet;
    for (const element of this.behind) element.inert = sheet;
  }

  /** target: a citation ({kind: "citation", doc_id, quote, paragraph, n, ...}) or a passage. */
  async open(target, opener) {
    const request = ++this.request;
    this.setActive(opener);
    this.opener = opener || null;
    this.kicker.textContent = target.kind === "citation" ? `引用 ${target.n} · 原文` : "相关资料 · 原文";
    this.title.textContent = target.title || "（无标题）";
    this.subtitle.hidden = true;
    clear(this.meta);
    clear(this.body).append(h("div", { class: "panel-loading", role: "status" },
      h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), "正在载入原文"));
    this.panel.hidden = false;
    this.app.classList.add("panel-open");
    this.applyMode();
    this.title.focus({ preventScroll: true });

    let doc;
    try {
      doc = await this.load(target.doc_id);
    } catch (error) {
      if (request !== this.request) return;
      clear(this.body).append(h("div", { class: "panel-error", role: "alert" },
        h("p", {}, error.kind === "network" ? "无法连接到服务器，原文没有载入。" : `原文没有载入：${error.message}`),
        h("button", { type: "button", class: "button button-small", onclick: () => this.open(target, opener) }, "重试")));
      return;
    }
    if (request !== this.request) return;
    this.render(doc, target);
  }

  async load(docId) {
    if (!this.cache.has(docId)) {
      const promise = getJSON(`/api/documents/${encodeURIComponent(docId)}`);
      this.cache.set(docId, promise);
      promise.catch(() => this.cache.delete(docId));
    }
    return this.cache.get(docId);
  }

  render(doc, target) {
    this.title.textContent = doc.title || target.title || "（无标题）";
    this.subtitle.textContent = doc.subtitle || "";
    this.subtitle.hidden = !doc.subtitle;
    clear(this.meta);
    const meta = [
      ["日期", doc.date ? formatDate(doc.date) : ""],
      ["作者", doc.byline || (doc.reporters || []).join("、")],
      ["电头", doc.dateline || ""],
      ["来源", doc.source || ""],
    ];
    for (const [label, value] of meta) {
      if (!value) continue;
      this.meta.append(h("div", { class: "meta-item" }, h("dt", {}, label), h("dd", {}, value)));
    }

    const paragraphs = doc.paragraphs || [];
    const nodes = paragraphs.map((paragraph) => h("p", { "data-index": paragraph.index }, paragraph.text));
    const article = h("article", { class: "article" }, nodes);
    clear(this.body).append(article);

    const hit = target.kind === "citation" ? highlightQuote(paragraphs, nodes, target) : highlightPassage(paragraphs, nodes, target);
    const focusNode = hit || nodes[0];
    if (focusNode) {
      // Wait a frame so the panel has its final size before scrolling.
      requestAnimationFrame(() => {
        focusNode.scrollIntoView({ block: "center", behavior: prefersReducedMotion() ? "auto" : "smooth" });
      });
    }
  }

  setActive(opener) {
    document.querySelectorAll(".is-active").forEach((node) => node.classList.remove("is-active"));
    if (opener) opener.classList.add("is-active");
  }

  close() {
    if (!this.isOpen) return;
    this.request++;
    this.panel.hidden = true;
    this.app.classList.remove("panel-open");
    this.applyMode();
    this.setActive(null);
    const opener = this.opener;
    this.opener = null;
    if (opener && opener.isConnected) opener.focus();
    else document.getElementById("question").focus();
  }
}

function markIn(node, text, at, length) {
  const mark = h("mark", { class: "quote-mark" }, text.slice(at, at + length));
  node.replaceChildren(text.slice(0, at), mark, text.slice(at + length));
  return mark;
}

/** <mark> the citation's quote: in its paragraph, else anywhere, else the paragraph by offsets. */
function highlightQuote(paragraphs, nodes, citation) {
  const quote = citation.quote || "";
  const order = [...paragraphs.keys()];
  const own = paragraphs.findIndex((paragraph) => paragraph.index === citation.paragraph);
  if (own >= 0) order.unshift(...order.splice(own, 1));
  if (quote) {
    for (const i of order) {
      const at = paragraphs[i].text.indexOf(quote);
      if (at >= 0) return markIn(nodes[i], paragraphs[i].text, at, quote.length);
    }
  }
  const byOffset = paragraphs.findIndex((p) => p.start <= citation.start && citation.start < p.end);
  const i = own >= 0 ? own : byOffset;
  if (i < 0) return null;
  nodes[i].classList.add("passage-hit");
  return nodes[i];
}

/** A passage is a run of sentences that may cross paragraphs: mark each of its lines found. */
function highlightPassage(paragraphs, nodes, passage) {
  let first = null;
  const lines = String(passage.text || "").split("\n").map((line) => line.trim()).filter(Boolean);
  const used = new Set();
  for (const line of lines) {
    const i = paragraphs.findIndex((paragraph, index) => !used.has(index) && paragraph.text.includes(line));
    if (i < 0) continue;
    used.add(i);
    const mark = markIn(nodes[i], paragraphs[i].text, paragraphs[i].text.indexOf(line), line.length);
    mark.classList.add("passage-mark");
    first = first || mark;
  }
  if (first) return first;
  for (const [i, paragraph] of paragraphs.entries()) {
    if (paragraph.start < passage.end && passage.start < paragraph.end) {
      nodes[i].classList.add("passage-hit");
      first = first || nodes[i];
    }
  }
  return first;
}
