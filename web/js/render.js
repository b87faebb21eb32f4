// The conversation's messages: the reader's questions and the service's answers.
import { h, icon, clear } from "./dom.js";

const MARKER = /\[(\d+)\]/g;
const PARTIAL_MARKER = /\[\d*$/;

export function formatDate(date) {
  if (!date) return "";
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) return String(date);
  return `${Number(match[1])}年${Number(match[2])}月${Number(match[3])}日`;
}

/** "title，date，source" as one line for lists, copies and labels. */
export function citationLine(citation) {
  return [citation.title || "（无标题）", formatDate(citation.date), citation.source].filter(Boolean).join("，");
}

/** The answer text as [{quote, n}] pieces; the last piece may have n === null (still streaming). */
export function splitAnswer(text, { streaming = false } = {}) {
  let visible = text;
  if (streaming) visible = visible.replace(PARTIAL_MARKER, "");
  const pieces = [];
  let last = 0;
  for (const match of visible.matchAll(MARKER)) {
    pieces.push({ quote: visible.slice(last, match.index), n: Number(match[1]) });
    last = match.index + match[0].length;
  }
  if (last < visible.length) pieces.push({ quote: visible.slice(last), n: null });
  return pieces;
}

/** Plain text of an answer with its citations, for the clipboard. */
export function answerAsText(answer) {
  const lines = [`问：${answer.question}`, `答：${answer.answer}`];
  if (answer.citations && answer.citations.length) {
    lines.push("", "引用：");
    for (const citation of answer.citations) {
      lines.push(`[${citation.n}] ${citationLine(citation)}`);
      lines.push(`    “${citation.quote}”`);
    }
  }
  return lines.join("\n");
}

export function userMessage(text) {
  return h("li", { class: "msg msg-user" },
    h("h2", { class: "visually-hidden" }, "你的问题"),
    h("div", { class: "bubble bubble-user" }, text));
}

function avatar() {
  return h("div", { class: "avatar", "aria-hidden": "true" }, "闻");
}

/** One answer in the conversation, updated as its events stream in. */
export class AnswerView {
  constructor({ onOpen, onCopy, onRetry }) {
    this.onOpen = onOpen;
    this.onCopy = onCopy;
    this.onRetry = onRetry;
    this.text = "";
    this.citations = [];
    this.passages = [];
    this.statusText = h("span", { class: "status-text" }, "正在检索资料");
    this.statusLine = h("p", { class: "status" }, h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), this.statusText);
    this.body = h("div", { class: "answer-body" });
    this.card = h("article", { class: "answer answer-pending", "aria-label": "回答" }, this.statusLine, this.body);
    this.element = h("li", { class: "msg msg-assistant", "aria-busy": "true" },
      avatar(),
      h("div", { class: "msg-main" }, h("h2", { class: "visually-hidden" }, "回答"), this.card));
  }

  setPassages(passages) {
    this.passages = Array.isArray(passages) ? passages : [];
    const count = this.passages.length;
    this.statusText.textContent = count ? `已找到 ${count} 段相关资料，正在整理答案` : "正在整理答案";
  }

  appendDelta(delta) {
    if (typeof delta !== "string" || !delta) return;
    this.text += delta;
    this.statusText.textContent = "正在回答";
    this.renderStreaming();
  }

  setCitations(citations) {
    this.citations = Array.isArray(citations) ? citations : [];
  }

  renderStreaming() {
    const text = h("p", { class: "answer-text streaming" });
    for (const piece of splitAnswer(this.text, { streaming: true })) {
      text.append(h("span", { class: "quote" }, piece.quote));
      if (piece.n !== null) text.append(h("span", { class: "cite cite-pending" }, `[${piece.n}]`));
    }
    text.append(h("span", { class: "caret", "aria-hidden": "true" }));
    clear(this.body).append(text);
  }

  /** The final answer object (the "done" event) replaces whatever was streamed. */
  finish(answer) {
    this.answer = answer;
    this.element.removeAttribute("aria-busy");
    this.statusLine.remove();
    clear(this.body);
    this.card.classList.remove("answer-pending");
    if (answer.answerable) this.renderAnswer(answer);
    else this.renderNoAnswer(answer);
  }

  renderAnswer(answer) {
    const citations = answer.citations || [];
    const byNumber = new Map(citations.map((citation) => [citation.n, citation]));
    this.card.classList.add("answer-found");

    if (answer.span) {
      this.body.append(h("p", { class: "answer-span" },
        h("span", { class: "answer-span-label" }, "简答"),
        h("strong", { class: "answer-span-text" }, answer.span)));
    }

    const text = h("p", { class: "answer-text" });
    let spanShown = false;
    for (const piece of splitAnswer(answer.answer || "")) {
      const quote = h("span", { class: "quote" });
      const at = answer.span && !spanShown ? piece.quote.indexOf(answer.span) : -1;
      if (at >= 0) {
        quote.append(piece.quote.slice(0, at), h("strong", { class: "key" }, answer.span), piece.quote.slice(at + answer.span.length));
        spanShown = true;
      } else {
        quote.append(piece.quote);
      }
      text.append(quote);
      if (piece.n === null) continue;
      const citation = byNumber.get(piece.n);
      if (citation) {
        text.append(h("button", {
          type: "button", class: "cite", "data-n": piece.n, "aria-haspopup": "dialog", "aria-controls": "doc-panel",
          "aria-label": `引用 ${piece.n}：${citation.title || ""}，打开原文`,
          onclick: (event) => this.onOpen({ kind: "citation", ...citation }, event.currentTarget),
        }, `[${piece.n}]`));
      } else {
        text.append(h("span", { class: "cite cite-pending" }, `[${piece.n}]`));
      }
    }
    this.body.append(text);
    if (answer.uncertain) {
      this.body.append(h("p", { class: "uncertain-note", role: "note" },
        "把握不大：这句话未必回答了问题，请打开原文核实。"));
    }

    if (citations.length) {
      const list = h("ol", { class: "citations", "aria-label": "引用来源" });
      for (const citation of citations) {
        list.append(h("li", {},
          h("button", {
            type: "button", class: "citation", "data-n": citation.n, "aria-haspopup": "dialog", "aria-controls": "doc-panel",
            onclick: (event) => this.onOpen({ kind: "citation", ...citation }, event.currentTarget),
          },
          h("span", { class: "citation-n", "aria-hidden": "true" }, String(citation.n)),
          h("span", { class: "citation-main" },
            h("span", { class: "visually-hidden" }, `引用 ${citation.n}：`),
            h("span", { class: "citation-title" }, citation.title || "（无标题）"),
            h("span", { class: "citation-meta" },
              citation.date ? h("time", { datetime: citation.date }, formatDate(citation.date)) : null,
              citation.source ? h("span", { class: "citation-source" }, citation.source) : null)),
          icon("doc", "icon citation-icon"))));
      }
      this.body.append(h("section", { class: "sources" }, h("h3", { class: "sources-title" }, "引用来源"), list));
    }

    this.body.append(this.actions(answer));
    if (answer.passages && answer.passages.length) {
      const details = h("details", { class: "more-passages" },
        h("summary", {}, `检索到的 ${answer.passages.length} 段资料`),
        this.passageList(answer.passages));
      this.body.append(details);
    }
  }

  renderNoAnswer(answer) {
    this.card.classList.add("answer-none");
    this.body.append(
      h("p", { class: "none-title" }, icon("search", "icon none-icon"), h("span", {}, answer.answer || "资料中没有找到相关答案。")),
      h("p", { class: "none-hint" }, "已收录的报道中没有能直接回答这个问题的句子。可以换个问法，或看看下面最接近的资料。"));
    const passages = (answer.passages || []).slice(0, 3);
    if (passages.length) {
      this.body.append(h("section", { class: "closest" },
        h("h3", { class: "sources-title" }, "最接近的资料"),
        this.passageList(passages)));
    }
  }

  passageList(passages) {
    const list = h("ol", { class: "passages" });
    for (const passage of passages) {
      list.append(h("li", {},
        h("button", {
          type: "button", class: "passage", "aria-haspopup": "dialog", "aria-controls": "doc-panel",
          onclick: (event) => this.onOpen({ kind: "passage", ...passage }, event.currentTarget),
        },
        h("span", { class: "passage-title" }, passage.title || "（无标题）"),
        h("span", { class: "passage-text" }, passage.text || ""))));
    }
    return list;
  }

  actions(answer) {
    const label = h("span", {}, "复制答案");
    const button = h("button", {
      type: "button", class: "button button-small copy", "aria-label": "复制答案和引用",
      onclick: async () => {
        const ok = await this.onCopy(answerAsText(answer));
        button.classList.toggle("copied", ok);
        label.textContent = ok ? "已复制" : "复制失败";
        clearTimeout(this.copyTimer);
        this.copyTimer = setTimeout(() => {
          label.textContent = "复制答案";
          button.classList.remove("copied");
        }, 2000);
      },
    }, icon("copy", "icon icon-copy"), icon("check", "icon icon-check"), label);
    const confidence = Math.round((Number(answer.confidence) || 0) * 100);
    return h("div", { class: "actions" }, button,
      h("span", { class: "confidence", title: "估计这个回答正确的概率" }, `可信度 ${confidence}%`));
  }

  /** The request failed; error is an ApiError. */
  fail(error) {
    this.element.removeAttribute("aria-busy");
    this.statusLine.remove();
    clear(this.body);
    this.card.classList.remove("answer-pending");
    if (error.kind === "aborted") {
      this.card.classList.add("answer-stopped");
      if (this.text) this.renderStreaming();
      this.body.querySelector(".caret")?.remove();
      this.body.append(h("p", { class: "stopped-note" }, "已停止回答。"));
      return;
    }
    this.card.classList.add("answer-error");
    this.card.setAttribute("role", "alert");
    const network = error.kind === "network";
    this.body.append(
      h("p", { class: "error-title" }, icon("alert", "icon error-icon"),
        h("span", {}, network ? "无法连接到服务器" : "这个问题没能得到回答")),
      h("p", { class: "error-detail" },
        network ? "请检查网络或确认问答服务正在运行，然后重试。" : error.message),
      this.onRetry ? h("button", { type: "button", class: "button button-small retry", onclick: () => this.onRetry() },
        icon("retry"), h("span", {}, "重试")) : null);
  }
}
