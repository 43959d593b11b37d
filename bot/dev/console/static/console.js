// The lexbot test console: talks to /console/api on the server that served it, nothing else.
// Everything the page shows comes from that API already redacted (the server masks card data at
// one choke point); the page only ever writes text (textContent), never HTML.
"use strict";

const api = "/console/api";
const state = { bot: null, session: null, turns: [], selected: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.message || response.statusText);
  return data;
}

function sessionPath(session) {
  return `/sessions/${encodeURIComponent(session.botAliasId)}/${encodeURIComponent(session.localeId)}/${encodeURIComponent(session.sessionId)}`;
}

function mode() {
  return document.querySelector("input[name=mode]:checked").value;
}

// -- sessions ----------------------------------------------------------------------------------

async function refreshSessions() {
  const { sessions } = await call("GET", "/sessions");
  const list = $("session-list");
  list.replaceChildren();
  for (const session of sessions) {
    const current = state.session && session.sessionId === state.session.sessionId;
    const item = el("li", { class: current ? "current" : "", title: session.sessionId, "data-testid": "session" },
      session.sessionId,
      el("span", { class: "meta" }, `${session.localeId} · ${session.turns} turns${session.intent ? " · " + session.intent : ""}`));
    item.addEventListener("click", () => openSession(session));
    list.append(item);
  }
}

async function newSession() {
  const session = await call("POST", "/sessions", { localeId: $("locale").value });
  state.session = session;
  state.turns = [];
  state.selected = null;
  render();
  await refreshSessions();
  $("text").focus();
}

async function openSession(session) {
  const data = await call("GET", sessionPath(session));
  state.session = data.session;
  state.turns = data.turns;
  state.selected = data.turns.length ? data.turns.length - 1 : null;
  render();
  await refreshSessions();
}

async function resetSession() {
  if (!state.session) return;
  try {
    await call("DELETE", sessionPath(state.session));
  } catch (error) {
    // already gone: start a new one anyway
  }
  await newSession();
}

// -- a turn ------------------------------------------------------------------------------------

async function send(event) {
  event.preventDefault();
  const input = $("text");
  const text = input.value;
  input.value = ""; // what was typed never stays in the page: the transcript shows the server's view
  if (!text.trim()) return;
  if (!state.session) await newSession();
  $("send").disabled = true;
  try {
    const data = await call("POST", sessionPath(state.session) + "/turns", { text, mode: mode() });
    state.session = data.session;
    state.turns.push(data.turn);
    state.selected = state.turns.length - 1;
    render();
    await refreshSessions();
  } catch (error) {
    state.turns.push({ number: state.turns.length + 1, user: "", error: String(error.message), messages: [], inspector: null });
    render();
  } finally {
    $("send").disabled = false;
    input.focus();
  }
}

// -- rendering ---------------------------------------------------------------------------------

function render() {
  $("session-label").textContent = state.session ? `session ${state.session.sessionId} · ${state.session.localeId}` : "no session yet";
  const exportLink = $("export");
  if (state.session) {
    exportLink.href = api + sessionPath(state.session) + "/export";
    exportLink.removeAttribute("aria-disabled");
  } else {
    exportLink.removeAttribute("href");
    exportLink.setAttribute("aria-disabled", "true");
  }
  const transcript = $("transcript");
  transcript.replaceChildren();
  state.turns.forEach((turn, index) => {
    if (turn.user) {
      const label = { Text: null, Speech: "voice", DTMF: "keypad" }[turn.inputMode] || null;
      transcript.append(el("li", { class: "user", "data-testid": "user-message" },
        label ? el("span", { class: "mode" }, label) : null, turn.user));
    }
    if (turn.error) {
      transcript.append(el("li", { class: "bot error", "data-testid": "bot-error" }, turn.error));
    }
    const messages = turn.messages.length || turn.error ? turn.messages : [{ text: "(no message)", ssml: null }];
    for (const message of messages) {
      const item = el("li", { class: "bot" + (index === state.selected ? " selected" : ""), "data-testid": "bot-message" },
        message.text,
        message.ssml ? el("span", { class: "ssml", "data-testid": "ssml" }, message.ssml) : null);
      item.addEventListener("click", () => { state.selected = index; render(); });
      transcript.append(item);
    }
  });
  transcript.scrollTop = transcript.scrollHeight;
  renderInspector();
}

function table(rows, headers) {
  if (!rows.length) return el("p", { class: "none" }, "none");
  const body = el("tbody");
  for (const row of rows) body.append(el("tr", {}, ...row.map((cell) => el("td", {}, cell === null || cell === undefined ? "—" : String(cell)))));
  return el("table", {}, headers ? el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))) : null, body);
}

function pairs(map, testid) {
  const node = table(Object.entries(map || {}));
  node.setAttribute("data-testid", testid);
  return node;
}

function renderInspector() {
  const body = $("inspector-body");
  body.replaceChildren();
  const turn = state.selected === null ? null : state.turns[state.selected];
  $("inspected").textContent = turn ? `turn ${turn.number}` : "";
  if (!turn || !turn.inspector || turn.error) {
    body.append(el("p", { class: "muted" }, turn && turn.error ? "The turn failed: " + turn.error : "Send a message to see what Lex and the bot did."));
    return;
  }
  const i = turn.inspector;
  const confidence = (value) => (value === null || value === undefined ? "—" : Number(value).toFixed(2));
  const action = i.dialogAction || {};
  body.append(
    el("h3", {}, "Intent"),
    el("dl", {},
      el("dt", {}, "intent"), el("dd", { "data-testid": "intent" }, i.intent || "—"),
      el("dt", {}, "state"), el("dd", { "data-testid": "intent-state" }, i.intentState || "—"),
      el("dt", {}, "recognized"), el("dd", { "data-testid": "nlu" }, i.nluIntent ? `${i.nluIntent} (${confidence(i.confidence)})` : "— (filling a slot or confirming)"),
      el("dt", {}, "dialog action"), el("dd", { "data-testid": "dialog-action" }, action.type + (action.slotToElicit ? " · " + action.slotToElicit : ""))),
    el("h3", {}, "Interpretations"),
    table((i.interpretations || []).map((x) => [x.intent, confidence(x.confidence)]), ["intent", "confidence"]),
    el("h3", {}, "Slots (as Lex shows them)"),
    pairs(i.slots, "slots"),
    el("h3", {}, "Bot state (signed session attributes)"),
    pairs(i.botState, "bot-state"),
    el("h3", {}, "Client attributes"),
    pairs(i.clientAttributes, "client-attributes"),
    el("h3", {}, "Security events"),
    (i.securityEvents || []).length
      ? el("ul", { "data-testid": "security-events" }, ...i.securityEvents.map((e) => el("li", { class: "event" }, e)))
      : el("p", { class: "none", "data-testid": "security-events" }, "none"),
    el("h3", {}, "History entries written"),
    table((i.history || []).map((h) => [h.index, h.user, (h.bot || []).join(" "), h.intent, h.slot]), ["#", "user", "bot", "intent", "slot"]),
  );
}

// -- start -------------------------------------------------------------------------------------

function keypad() {
  const pad = $("keypad");
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]) {
    const button = el("button", { type: "button", "data-testid": "key-" + key }, key);
    button.addEventListener("click", () => { $("text").value += key; });
    pad.append(button);
  }
  for (const radio of document.querySelectorAll("input[name=mode]")) {
    radio.addEventListener("change", () => {
      pad.hidden = mode() !== "dtmf";
      $("text").placeholder = { text: "Say something to the bot", voice: "What the caller says (Speech, SSML accepted)", dtmf: "Keys (# ends, * starts over)" }[mode()];
    });
  }
}

async function start() {
  keypad();
  state.bot = await call("GET", "/bot");
  $("bot-name").textContent = `${state.bot.name} · ${state.bot.botId}/${state.bot.botAliasId}`;
  const locale = $("locale");
  for (const id of state.bot.locales) locale.append(el("option", { value: id, selected: id === state.bot.defaultLocale }, id));
  locale.addEventListener("change", newSession);
  $("input-form").addEventListener("submit", send);
  $("new-session").addEventListener("click", newSession);
  $("reset-session").addEventListener("click", resetSession);
  render();
  await refreshSessions();
  document.body.setAttribute("data-ready", "true");
}

start().catch((error) => {
  document.body.setAttribute("data-ready", "error");
  $("inspector-body").replaceChildren(el("p", { class: "event" }, "The console could not start: " + error.message));
});
