// Talking to the service: JSON requests and the server-sent event stream of POST /api/chat.
// EventSource cannot POST, so the stream is read with fetch and parsed here.

/** Why a request failed: "network" (server unreachable), "http" (an error answer), "protocol", "aborted". */
export class ApiError extends Error {
  constructor(kind, message, { status = 0, code = "" } = {}) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.code = code;
  }
}

/** Base URL of the API; the page is normally served by the API itself (same origin). */
export const API_BASE = "";

function networkError(error) {
  if (error && error.name === "AbortError") return new ApiError("aborted", "已停止");
  return new ApiError("network", "无法连接到服务器");
}

async function errorFrom(response) {
  let code = `http_${response.status}`;
  let message = `服务器返回错误（${response.status}）`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      if (body.error.message) message = String(body.error.message);
    }
  } catch {
    // Not JSON (a proxy's error page, for instance): keep the generic message.
  }
  // A busy server's refusal says so in English; the reader is told in Chinese, and the retry button is the remedy.
  if (response.status === 503) message = "服务器正忙，请稍后重试";
  return new ApiError("http", message, { status: response.status, code });
}

export async function getJSON(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(API_BASE + path, { headers: { Accept: "application/json" }, signal });
  } catch (error) {
    throw networkError(error);
  }
  if (!response.ok) throw await errorFrom(response);
  try {
    return await response.json();
  } catch (error) {
    throw new ApiError("protocol", "服务器的回应无法解析");
  }
}

/**
 * Incremental parser for the text/event-stream format (WHATWG HTML, "server-sent events"):
 * feed it decoded text in any pieces, it calls onEvent(type, data) once per complete event.
 */
export class SSEParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.type = "";
    this.data = [];
    this.sawCR = false;
  }

  feed(text) {
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char === "\n" && this.sawCR) {
        // The \n of a \r\n pair: the line already ended at the \r.
        this.sawCR = false;
        start = i + 1;
        continue;
      }
      this.sawCR = false;
      if (char === "\r" || char === "\n") {
        this.line(this.buffer.slice(start, i));
        this.sawCR = char === "\r";
        start = i + 1;
      }
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: a final event without its blank line is dropped, as the spec says. */
  end() {
    this.buffer = "";
    this.type = "";
    this.data = [];
  }

  line(line) {
    if (line === "") {
      if (this.data.length) this.onEvent(this.type || "message", this.data.join("\n"));
      this.type = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data.push(value);
  }
}

/**
 * POST /api/chat with stream: true. Calls handlers.onEvent(type, data) for every event
 * (data parsed from JSON) and resolves with the final answer object of the "done" event.
 * A server that answers plain JSON instead of a stream is accepted too.
 */
export async function streamChat(messages, { signal, onEvent = () => {} } = {}) {
  let response;
  try {
    response = await fetch(API_BASE + "/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ messages, stream: true }),
      signal,
    });
  } catch (error) {
    throw networkError(error);
  }
  if (!response.ok) throw await errorFrom(response);

  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) {
    let answer;
    try {
      answer = await response.json();
    } catch {
      throw new ApiError("protocol", "服务器的回应无法解析");
    }
    onEvent("done", answer);
    return answer;
  }

  let final = null;
  let failure = null;
  const parser = new SSEParser((event, raw) => {
    if (failure) return;
    let data;
    try {
      data = raw === "" ? null : JSON.parse(raw);
    } catch {
      failure = new ApiError("protocol", "服务器的回应无法解析");
      return;
    }
    if (event === "error") {
      const error = (data && data.error) || {};
      failure = new ApiError("http", error.message || "服务器处理问题时出错", { code: error.code || "error" });
      return;
    }
    if (event === "done") final = data;
    onEvent(event, data);
  });

  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (failure) break;
    }
    parser.feed(decoder.decode());
  } catch (error) {
    throw networkError(error);
  } finally {
    parser.end();
    if (failure || !final) reader.cancel().catch(() => {});
  }
  if (failure) throw failure;
  if (!final) throw new ApiError("network", "连接中断，回答没有完成");
  return final;
}
