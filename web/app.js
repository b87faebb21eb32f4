// 新闻问答 — the chat page. Plain ES modules, no build step.
import { ApiError, getJSON, streamChat } from "./js/api.js";
import { h, clear, prefersReducedMotion } from "./js/dom.js";
import { AnswerView, userMessage } from "./js/render.js";
import { DocumentPanel } from "./js/panel.js";

// The API takes at most 50 messages; older turns matter little for follow-ups.
const HISTORY_MESSAGES = 20;
const EXAMPLE_COUNT = 4;
// The service makes its examples in the background (at start, after each write) and says when they
// are not made yet: the page asks again, every second for up to two minutes.
const EXAMPLE_RETRY_MS = 1000;
const EXAMPLE_RETRIES = 120;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("composer"),
  input: $("question"),
  send: $("send"),
  messages: $("messages"),
  log: $("log"),
  scroller: $("scroller"),
  welcome: $("welcome"),
  examples: $("examples"),
  status: $("corpus-status"),
  newChat: $("new-chat"),
  announcer: $("announcer"),
};

const state = {
  history: [], // completed turns: {role, content}
  controller: null, // AbortController of the request in flight
  conversation: 0, // bumped by "new conversation" so late events of an old one are dropped
};

const panel = new DocumentPanel();

function announce(text) {
  ui.announcer.textContent = "";
  // A fresh text node after a tick makes screen readers announce repeated messages too.
  setTimeout(() => { ui.announcer.textContent = text; }, 50);
}

function setOnline(online, text) {
  document.body.classList.toggle("offline", !online);
  if (text) ui.status.textContent = text;
}

// ---------------------------------------------------------------- scrolling

function nearBottom() {
  const s = ui.scroller;
  return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
}

function scrollToBottom(force = false) {
  if (!force && !nearBottom()) return;
  ui.scroller.scrollTo({ top: ui.scroller.scrollHeight, behavior: force && !prefersReducedMotion() ? "smooth" : "auto" });
}

// ---------------------------------------------------------------- composer

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 200)}px`;
}

function setBusy(busy) {
  document.body.classList.toggle("busy", busy);
  ui.send.classList.toggle("is-stop", busy);
  ui.send.setAttribute("aria-label", busy ? "停止回答" : "发送");
  ui.log.setAttribute("aria-busy", busy ? "true" : "false");
}

ui.input.addEventListener("input", autosize);
ui.input.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate does nothing.
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  if (!state.controller) ui.form.requestSubmit();
});

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (state.controller) {
    state.controller.abort();
    return;
  }
  const question = ui.input.value.trim();
  if (!question) {
    ui.input.focus();
    return;
  }
  ui.input.value = "";
  autosize();
  ask(question);
});

// ---------------------------------------------------------------- asking

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
    } else {
      const area = h("textarea", { class: "clipboard-helper", readonly: true, "aria-hidden": "true" });
      area.value = text;
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      if (!ok) throw new Error("copy failed");
    }
    announce("已复制答案和引用");
    return true;
  } catch {
    announce("复制失败，请手动选择文字复制");
    return false;
  }
}

function listOf(data, key) {
  return Array.isArray(data) ? data : (data && data[key]) || [];
}

function ask(question) {
  if (state.controller) return;
  ui.welcome.hidden = true;
  const conversation = state.conversation;
  const userNode = userMessage(question);
  const view = new AnswerView({
    onOpen: (target, opener) => panel.open(target, opener),
    onCopy: copyText,
    onRetry: () => {
      if (state.controller || conversation !== state.conversation) return;
      userNode.remove();
      view.element.remove();
      ask(question);
    },
  });
  ui.messages.append(userNode, view.element);
  scrollToBottom(true);

  const messages = [...state.history, { role: "user", content: question }].slice(-HISTORY_MESSAGES);
  const controller = new AbortController();
  state.controller = controller;
  setBusy(true);
  announce("正在检索资料");

  const current = () => conversation === state.conversation;
  streamChat(messages, {
    signal: controller.signal,
    onEvent(event, data) {
      if (!current()) return;
      // Each event's data is JSON: a list (or {passages|citations: list}), {delta: "..."} pieces.
      if (event === "passages") view.setPassages(listOf(data, "passages"));
      else if (event === "answer") view.appendDelta(typeof data === "string" ? data : data && (data.delta ?? data.text));
      else if (event === "citations") view.setCitations(listOf(data, "citations"));
      scrollToBottom();
    },
  }).then((answer) => {
    if (!current()) return;
    view.finish(answer);
    state.history.push({ role: "user", content: question }, { role: "assistant", content: answer.answer || "" });
    if (document.body.classList.contains("offline")) loadStats();
    announce(answer.answerable ? `回答：${answer.answer}` : "资料中没有找到相关答案");
  }).catch((error) => {
    if (!current()) return;
    const failure = error instanceof ApiError ? error : new ApiError("protocol", String(error && error.message || error));
    view.fail(failure);
    if (failure.kind === "network") setOnline(false, "无法连接到服务器");
    announce(failure.kind === "aborted" ? "已停止回答" : failure.kind === "network" ? "无法连接到服务器" : `出错了：${failure.message}`);
  }).finally(() => {
    if (state.controller === controller) {
      state.controller = null;
      setBusy(false);
    }
    if (current()) scrollToBottom();
  });
}

// ---------------------------------------------------------------- new conversation

function newConversation() {
  state.conversation++;
  if (state.controller) state.controller.abort();
  state.controller = null;
  setBusy(false);
  state.history = [];
  panel.close();
  clear(ui.messages);
  ui.welcome.hidden = false;
  ui.input.value = "";
  autosize();
  ui.scroller.scrollTop = 0;
  ui.input.focus();
  announce("已开始新对话");
}

ui.newChat.addEventListener("click", newConversation);

// ---------------------------------------------------------------- corpus and examples

function showExamples(questions) {
  const shown = questions.slice(0, EXAMPLE_COUNT);
  const buttons = [...ui.examples.querySelectorAll("button.example")];
  // Asking again may bring the same list: keep the buttons (and the focus on one of them) as they are.
  if (buttons.length && buttons.map((button) => button.textContent).join("\n") === shown.join("\n")) return;
  clear(ui.examples);
  ui.examples.removeAttribute("aria-busy");
  for (const question of shown) {
    ui.examples.append(h("li", {},
      h("button", { type: "button", class: "example", onclick: () => ask(question) }, question)));
  }
  // The heading only ever shows above questions: while there are none, neither does it.
  ui.examples.closest("section").classList.toggle("no-examples", !shown.length);
}

/** "{title}是怎么回事？" for a few short, distinct headlines: questions the corpus can answer. */
function questionsFromTitles(titles) {
  const seen = new Set();
  const questions = [];
  for (const raw of titles) {
    const title = String(raw || "").replace(/\s+/g, " ").trim();
    if (title.length < 5 || title.length > 22 || seen.has(title) || /[…？?]$/.test(title)) continue;
    seen.add(title);
    questions.push(`${title}是怎么回事？`);
  }
  return questions;
}

async function loadExamples(retries = EXAMPLE_RETRIES) {
  let questions = [];
  let ready = true;
  try {
    // Questions the service drew from its own index and checked that it answers.
    const body = await getJSON(`/api/examples?n=${EXAMPLE_COUNT}`);
    questions = (body.examples || []).filter((question) => typeof question === "string" && question);
    ready = body.ready !== false;
  } catch (error) {
    if (error.kind === "network") {
      showExamples([]);
      return;
    }
    // The route failed (or an older service lacks it): headlines of a broad search stand in.
    try {
      const body = await getJSON(`/api/search?q=${encodeURIComponent("新闻 报道")}&k=50`);
      questions = questionsFromTitles((body.passages || []).map((passage) => passage.title));
    } catch {
      questions = [];
    }
  }
  showExamples(questions);
  // A worked example in the empty box, where it fits on one line.
  const wide = window.matchMedia("(min-width: 761px)").matches;
  if (questions.length && wide && questions[0].length <= 24) ui.input.placeholder = `输入问题，例如：${questions[0]}`;
  if (!ready && retries > 0) setTimeout(() => loadExamples(retries - 1), EXAMPLE_RETRY_MS);
}

async function loadStats() {
  try {
    const stats = await getJSON("/api/stats");
    const count = Number(stats.documents) || 0;
    setOnline(true, count ? `已收录 ${count} 篇报道` : "资料库还是空的");
  } catch (error) {
    setOnline(false, error.kind === "network" ? "无法连接到服务器" : "服务暂时不可用");
  }
}

loadStats();
loadExamples();
autosize();
// Focus the box where typing is cheap; on touch screens that would pop the keyboard up unasked.
if (window.matchMedia("(pointer: fine)").matches) ui.input.focus();
