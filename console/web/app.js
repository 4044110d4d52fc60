// luabot console: plain JS, no build step. Views switch on the URL hash;
// /api/events keeps them live.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { view: "overview", scripts: [], logs: [], chat: null, messages: [], conv: null, kvNext: "", logDropped: 0 };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}

async function api(path, body) {
  const opt = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opt);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.status + " " + r.statusText);
  return data;
}

function toast(text) {
  const t = $("#toast");
  t.textContent = text; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.hidden = true), 2500);
}

function ago(iso) {
  if (!iso || iso.startsWith("0001")) return "—";
  const s = Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000));
  if (s < 60) return s + "s ago";
  if (s < 3600) return Math.floor(s / 60) + "m ago";
  return Math.floor(s / 3600) + "h ago";
}
const ms = (ns) => (ns ? (ns / 1e6).toFixed(ns < 1e7 ? 2 : 0) + " ms" : "—");
const bytes = (n) => (n > 0 ? (n < 1 << 20 ? (n / 1024).toFixed(1) + " KiB" : (n / (1 << 20)).toFixed(1) + " MiB") : n < 0 ? "over budget" : "—");

// ---- views
function show() {
  state.view = (location.hash || "#overview").slice(1).split("/")[0];
  if (!document.getElementById("view-" + state.view)) state.view = "overview";
  document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === "view-" + state.view));
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.view === state.view));
  if (state.view === "kv") loadNamespaces();
  if (state.view === "chat" && !state.chat) loadChat();
}

// ---- overview
// chart draws the last minute, one point a second, the newest on the right.
function chart(svg, values) {
  const max = Math.max(1, ...values);
  const step = 240 / 59;
  const pts = values.map((v, i) => (240 - (values.length - 1 - i) * step).toFixed(1) + "," + (58 - (v / max) * 54).toFixed(1)).join(" ");
  svg.replaceChildren(document.createElementNS("http://www.w3.org/2000/svg", "polyline"));
  svg.firstChild.setAttribute("points", pts || "0,58 240,58");
}

function renderOverview(o) {
  const body = $("#shards tbody");
  body.replaceChildren(...(o.shards.length ? o.shards.map((s) =>
    el("tr", { "data-state": s.state },
      el("td", {}, s.shard[0] + "/" + s.shard[1]),
      el("td", { class: "state " + s.state }, s.state),
      el("td", {}, ago(s.since)),
      el("td", {}, s.seq),
      el("td", {}, s.last_decision || "—"),
      el("td", {}, s.last_reason ? (s.last_code ? s.last_code + " " : "") + s.last_reason : "—"),
      el("td", {}, s.connects), el("td", {}, s.resumes), el("td", {}, s.events))) :
    [el("tr", {}, el("td", { colspan: 9, class: "muted" }, "not connected yet"))]));
  const im = $("#intents-missing");
  im.hidden = !o.intents_not_granted;
  im.textContent = o.intents_not_granted ? "Intents the platform did not grant: " + o.intents_not_granted : "";
  for (const k of ["events", "replies", "errors"]) {
    const vals = o.series.map((p) => p[k]);
    chart($("#chart-" + k), vals);
    $("#rate-" + k).textContent = vals.length ? vals[vals.length - 1] : 0;
  }
  const t = o.totals;
  $("#totals").textContent = `${t.scripts} scripts · ${t.events} events · ${t.duplicates} duplicates dropped · ${t.replies} bot messages · ${t.errors} handler errors` +
    (t.logs_dropped ? ` · ${t.logs_dropped} log lines not shown to slow pages` : "");
}

// ---- scripts
function renderScripts(list) {
  state.scripts = list;
  const sel = $("#log-script"), cur = sel.value;
  sel.replaceChildren(el("option", { value: "" }, "all"), ...list.map((s) => el("option", { value: s.name }, s.name)));
  sel.value = cur;
  const box = $("#scripts");
  if (!list.length) { box.replaceChildren(el("p", { class: "muted" }, "No scripts.")); return; }
  box.replaceChildren(...list.map((s) => {
    const lr = s.last_reload;
    const status = !s.running ? ["not running", "bad"] : s.halted ? ["halted", "bad"] : !lr.ok ? ["last save failed", "bad"] : ["running", ""];
    return el("div", { class: "card script", "data-script": s.name, "data-version": s.version },
      el("h2", {}, s.name, el("span", { class: "badge " + status[1] }, status[0]),
        el("button", { class: "light", onclick: () => reload(s.name) }, "Reload")),
      el("dl", {},
        el("dt", {}, "file"), el("dd", {}, el("code", {}, s.path)),
        el("dt", {}, "version"), el("dd", { class: "version" }, "v" + s.version + (s.loaded_at && !s.loaded_at.startsWith("0001") ? ", loaded " + ago(s.loaded_at) : "")),
        el("dt", {}, "last load"), el("dd", { class: "last-reload" }, lr.ok ? "ok " + ago(lr.at) :
          el("span", { class: "error" }, lr.file && !lr.error.includes(lr.file + ":" + lr.line) ? lr.file + ":" + lr.line + ": " + lr.error : lr.error)),
        el("dt", {}, "handlers"), el("dd", {}, s.events.length ? s.events.join(", ") : "—"),
        el("dt", {}, "commands"), el("dd", {}, s.commands.length ? s.commands.join("  ") : "—"),
        el("dt", {}, "handler time"), el("dd", {}, "p50 " + ms(s.p50_ns) + " · p99 " + ms(s.p99_ns) + " · " + s.handled + " runs, " + s.failures + " failed, " + s.inflight + " running"),
        el("dt", {}, "memory"), el("dd", {}, bytes(s.memory))),
      s.recent_errors.length ? el("details", {}, el("summary", {}, s.recent_errors.length + " recent errors"),
        ...s.recent_errors.slice().reverse().map((e) => el("pre", {}, ago(e.at) + " on " + e.event + "\n" + e.err))) : null);
  }));
}

async function reload(name) {
  try {
    const r = await api("/api/scripts/" + encodeURIComponent(name) + "/reload", {});
    toast(r.ok ? name + " reloaded" : name + ": " + r.error);
    renderScripts(await api("/api/scripts"));
  } catch (e) { toast(e.message); }
}

// ---- logs
const levels = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };
function logVisible(e) {
  const s = $("#log-script").value;
  return (!s || e.script === s) && (levels[e.level.split(/[+-]/)[0]] ?? 1) >= levels[$("#log-level").value];
}
function logLine(e) {
  return el("div", { class: "lv-" + e.level },
    el("span", { class: "t" }, new Date(e.time).toLocaleTimeString() + " "),
    e.level.padEnd(5) + " ",
    e.script ? el("span", { class: "sc" }, "[" + e.script + "] ") : null,
    e.msg, e.attrs ? el("span", { class: "at" }, " " + e.attrs) : null);
}
function renderLogs() {
  $("#logs").replaceChildren(...state.logs.filter(logVisible).map(logLine));
  if ($("#log-follow").checked) $("#logs").scrollTop = 1e9;
}
function addLog(e) {
  state.logs.push(e);
  if (state.logs.length > 2000) state.logs.splice(0, state.logs.length - 2000);
  if (state.view === "logs" && logVisible(e)) {
    const box = $("#logs");
    box.append(logLine(e));
    while (box.childElementCount > 2000) box.firstChild.remove();
    if ($("#log-follow").checked) box.scrollTop = 1e9;
  }
}

// ---- kv
async function loadNamespaces() {
  const sel = $("#kv-ns");
  try {
    const r = await api("/api/kv");
    const cur = sel.value;
    sel.replaceChildren(...r.namespaces.map((n) => el("option", { value: n }, n)));
    if (r.namespaces.includes(cur)) sel.value = cur;
    if (!r.namespaces.length) $("#kv").replaceChildren(el("p", { class: "muted" }, "No script has stored anything yet."));
    else if (!$("#kv").childElementCount) browse(false);
  } catch (e) { showKVError(e); }
}
function showKVError(e) { const p = $("#kv-error"); p.hidden = !e; p.textContent = e ? e.message : ""; }
async function browse(more) {
  const ns = $("#kv-ns").value;
  if (!ns) return;
  const q = new URLSearchParams({ prefix: $("#kv-prefix").value });
  if (more) q.set("after", state.kvNext);
  try {
    const page = await api("/api/kv/" + ns.split("/").map(encodeURIComponent).join("/") + "?" + q);
    showKVError(null);
    const items = page.entries.map((e) => el("div", { class: "kv-entry" },
      el("span", { class: "key" }, e.key),
      el("span", { class: "tag" }, (e.json ? "JSON" : "text") + " · " + e.size + " bytes" + (e.expires ? " · expires " + new Date(e.expires).toLocaleString() : "") + (e.cut ? " · cut" : "")),
      el("pre", {}, e.value)));
    if (more) $("#kv").append(...items);
    else $("#kv").replaceChildren(...(items.length ? items : [el("p", { class: "muted" }, "No key with this prefix.")]));
    state.kvNext = page.next || "";
    $("#kv-more").hidden = !page.next;
  } catch (e) { showKVError(e); }
}

// ---- chat
async function loadChat() {
  try { state.chat = await api("/api/chat"); } catch (e) { state.chat = { available: false }; }
  const c = state.chat;
  if (!c.available) {
    $(".chat").replaceChildren(el("p", { class: "muted" }, "The chat sandbox needs the simulator: run luabot dev."));
    return;
  }
  // The event stream may have brought messages already: merge by seq.
  const have = new Set(state.messages.map((m) => m.seq));
  state.messages = state.messages.concat(c.messages.filter((m) => !have.has(m.seq))).sort((a, b) => a.seq - b.seq);
  $("#chat-user").replaceChildren(...c.users.map((u) => el("option", { value: u.id }, u.name)));
  const item = (conv, label) => el("li", { "data-conv": conv, onclick: () => selectConv(conv) }, label);
  $("#chat-channels").replaceChildren(...c.channels.map((ch) => item("guild:" + ch.id, "#" + ch.name)));
  $("#chat-direct").replaceChildren(item("dm", "DM with the bot"), item("c2c", "C2C chat"));
  $("#chat-groups").replaceChildren(...c.groups.map((g) => item("group:" + g.id, g.name)));
  if (!state.conv) state.conv = c.channels.length ? "guild:" + c.channels[0].id : "dm";
  selectConv(state.conv);
}

// convKey is the conversation the selected entry and user show: DMs and
// C2C chats are per user.
function convKey() {
  if (state.conv === "dm" || state.conv === "c2c") return state.conv + ":" + $("#chat-user").value;
  return state.conv;
}

function selectConv(conv) {
  state.conv = conv;
  document.querySelectorAll("aside li").forEach((li) => li.classList.toggle("active", li.dataset.conv === conv));
  const c = state.chat;
  let title = conv;
  if (conv.startsWith("guild:")) title = "#" + (c.channels.find((ch) => "guild:" + ch.id === conv) || {}).name + " in " + c.guild;
  else if (conv.startsWith("group:")) title = "group " + (c.groups.find((g) => "group:" + g.id === conv) || {}).name;
  else if (conv === "dm") title = "direct message with " + c.bot;
  else if (conv === "c2c") title = "C2C chat with " + c.bot;
  $("#chat-title").textContent = title;
  $("#chat-mention-label").hidden = !conv.startsWith("guild:");
  renderMessages();
}

function renderMessages() {
  const key = convKey();
  const box = $("#chat-messages");
  box.replaceChildren(...state.messages.filter((m) => m.conv === key).map(renderMessage));
  box.scrollTop = 1e9;
}

// md renders the small markdown subset bots use, from escaped text.
function md(text) {
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return esc
    .replace(/^### (.*)$/gm, "<h3>$1</h3>").replace(/^## (.*)$/gm, "<h2>$1</h2>").replace(/^# (.*)$/gm, "<h1>$1</h1>")
    .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>").replace(/(^|[^*])\*([^*]+)\*/g, "$1<i>$2</i>")
    .replace(/`([^`]+)`/g, "<code>$1</code>");
}

function renderMessage(m) {
  if (m.kind === "note") return el("div", { class: "msg note" }, m.author + " " + m.content.replace(m.author + " ", ""));
  const parts = [];
  if (m.content) parts.push(el("div", { class: "text" }, m.content));
  if (m.markdown) { const d = el("div", { class: "md" }); d.innerHTML = md(m.markdown); parts.push(d); }
  if (m.embed) {
    const e = m.embed;
    parts.push(el("div", { class: "embed" },
      e.title ? el("div", { class: "title" }, e.title) : null,
      e.prompt ? el("div", { class: "muted" }, e.prompt) : null,
      ...(e.fields || []).map((f) => el("div", {}, f.name)),
      e.thumbnail && e.thumbnail.url ? el("img", { src: e.thumbnail.url, alt: "thumbnail" }) : null));
  }
  if (m.ark) {
    const a = m.ark;
    parts.push(el("div", { class: "embed" }, el("div", { class: "title" }, "ark template " + a.template_id),
      ...(a.kv || []).map((kv) => el("div", {}, kv.key + ": " + (kv.value ?? "")))));
  }
  if (m.image) parts.push(el("img", { src: m.image, alt: m.image }), el("div", { class: "att" }, "image " + m.image));
  for (const a of m.attachments || []) parts.push(el("div", { class: "att" }, "📎 " + a.filename + " (" + a.content_type + ", " + a.size + " bytes)"));
  if (m.media) parts.push(el("div", { class: "att" }, "[media message]"));
  if (m.buttons) {
    parts.push(el("div", { class: "kbd" }, ...m.buttons.map((row) => el("div", {},
      ...row.map((b) => el("button", { "data-button": b.id, onclick: () => press(m, b) }, b.label))))));
  }
  const canReact = m.scene === "guild" && m.id;
  return el("div", { class: "msg " + m.kind, "data-id": m.id || "" },
    el("div", { class: "who" }, m.author, " · ", new Date(m.time).toLocaleTimeString(),
      canReact ? el("button", { class: "react", title: "react with 👍", onclick: () => react(m) }, "react") : null),
    el("div", { class: "bubble" }, ...parts));
}

async function press(m, b) {
  try {
    await api("/api/chat/press", { message_id: m.id, button_id: b.id, user_id: $("#chat-user").value });
    toast("pressed [" + b.label + "]");
  } catch (e) { toast(e.message); }
}

async function react(m) {
  try {
    await api("/api/chat/reactions", { channel_id: m.channel_id, message_id: m.id, user_id: $("#chat-user").value, emoji: "👍" });
  } catch (e) { toast(e.message); }
}

async function send(ev) {
  ev.preventDefault();
  const input = $("#chat-input");
  const text = input.value.trim();
  if (!text) return;
  const conv = state.conv, body = { content: text, user_id: $("#chat-user").value };
  if (conv.startsWith("guild:")) Object.assign(body, { scene: "guild", channel_id: conv.slice(6), mention: $("#chat-mention").checked });
  else if (conv.startsWith("group:")) Object.assign(body, { scene: "group", group_openid: conv.slice(6) });
  else body.scene = conv;
  try {
    await api("/api/chat/messages", body);
    input.value = "";
    $("#chat-error").hidden = true;
  } catch (e) { $("#chat-error").hidden = false; $("#chat-error").textContent = e.message; }
}

async function addMember(ev) {
  ev.preventDefault();
  const name = $("#member-name").value.trim();
  if (!name) return;
  try {
    const u = await api("/api/chat/members", { username: name });
    $("#member-name").value = "";
    state.chat.users.push(u);
    $("#chat-user").append(el("option", { value: u.id }, u.name));
    toast(u.name + " joined");
  } catch (e) { toast(e.message); }
}

// ---- live
function connect() {
  const es = new EventSource("/api/events");
  es.onopen = () => { $("#live").className = "live on"; $("#live").textContent = "live"; };
  es.onerror = () => { $("#live").className = "live off"; $("#live").textContent = "reconnecting"; };
  es.addEventListener("tick", (e) => {
    const t = JSON.parse(e.data);
    renderOverview(t.overview);
    const j = JSON.stringify(t.scripts);
    if (j !== state.scriptsJSON) { state.scriptsJSON = j; renderScripts(t.scripts); }
  });
  es.addEventListener("log", (e) => addLog(JSON.parse(e.data)));
  es.addEventListener("dropped", (e) => { $("#log-dropped").textContent = e.data + " lines lost while this page was behind"; });
  es.addEventListener("chat", (e) => {
    const m = JSON.parse(e.data);
    if (state.messages.some((x) => x.seq === m.seq)) return;
    state.messages.push(m);
    if (state.view === "chat" && state.chat && m.conv === convKey()) { $("#chat-messages").append(renderMessage(m)); $("#chat-messages").scrollTop = 1e9; }
  });
}

async function start() {
  window.addEventListener("hashchange", show);
  $("#log-script").addEventListener("change", renderLogs);
  $("#log-level").addEventListener("change", renderLogs);
  $("#kv-go").addEventListener("click", () => browse(false));
  $("#kv-ns").addEventListener("change", () => browse(false));
  $("#kv-prefix").addEventListener("keydown", (e) => { if (e.key === "Enter") browse(false); });
  $("#kv-more").addEventListener("click", () => browse(true));
  $("#chat-form").addEventListener("submit", send);
  $("#member-form").addEventListener("submit", addMember);
  $("#chat-user").addEventListener("change", renderMessages);
  try {
    state.logs = await api("/api/logs");
    renderScripts(await api("/api/scripts"));
    renderOverview(await api("/api/overview"));
  } catch (e) { toast(e.message); }
  renderLogs();
  show();
  connect();
}
start();
