// The dashboard's only script: fills the server-rendered pages from the JSON routes the openai client uses.
// Text goes in through textContent only (never innerHTML): names, messages and tool output are data.
"use strict";

const POLL_MS = 1500;
const JOBS = "/v1/fine_tuning/jobs";
const MAX_ROUNDS = 6; // model turns per playground message: a model that calls tools forever stops here

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname); }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.status + " " + response.statusText;
    throw new Error(message);
  }
  return body;
}

function showError(error) {
  const box = document.getElementById("error");
  if (!box) return;
  box.hidden = !error;
  box.textContent = error ? String(error.message || error) : "";
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "";
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c)))));
}

function every(ms, task) {
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try { await task(); showError(null); } catch (error) { showError(error); }
    if (!stopped) setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; };
}

// --- the hardware panel on every page

async function hardware() {
  const hw = await api("/dashboard/hardware");
  const gib = (n) => (n / 2 ** 30).toFixed(1);
  document.getElementById("cpu").textContent = `${hw.cpu.percent.toFixed(0)}% of ${hw.cpu.count}`;
  document.getElementById("cpu-bar").style.width = hw.cpu.percent + "%";
  document.getElementById("mem").textContent = `${gib(hw.memory.used)} / ${gib(hw.memory.total)} GiB`;
  document.getElementById("mem-bar").style.width = hw.memory.percent + "%";
  document.getElementById("gpus").replaceChildren(...hw.gpus.map((gpu) => el("span", {
    class: "meter",
    text: `GPU ${gpu.index} ${gpu.name}: ${gib(gpu.memory_used)} / ${gib(gpu.memory_total)} GiB` +
      (gpu.utilization === null ? "" : `, ${gpu.utilization}% busy`),
  })));
}

// --- jobs

function statusBadge(status) {
  return el("span", { class: "status " + status, text: status });
}

async function jobsPage() {
  every(POLL_MS * 2, async () => {
    const jobs = (await api(JOBS + "?limit=100")).data;
    document.getElementById("no-jobs").hidden = jobs.length > 0;
    fill(document.querySelector("#jobs tbody"), jobs.map((job) => [
      el("a", { href: "/jobs/" + job.id, text: job.id }),
      job.model,
      statusBadge(job.status),
      job.fine_tuned_model || "",
      when(job.created_at),
      job.trained_tokens === null ? "" : String(job.trained_tokens),
    ]));
  });
}

// --- a new job: upload (validated at once), then create

function hyperparameters(form) {
  const hyper = {};
  const number = (name) => (form[name].value === "" ? null : Number(form[name].value));
  if (number("epochs") !== null) hyper.n_epochs = number("epochs");
  if (number("lr") !== null) hyper.learning_rate_multiplier = number("lr");
  if (number("batch") !== null) hyper.batch_size = number("batch");
  return hyper;
}

async function newPage() {
  const form = document.getElementById("create");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("start");
    const reportBox = document.getElementById("report-box");
    showError(null);
    reportBox.hidden = true;
    const picked = form.file.files[0];
    if (!picked && !form.jsonl.value.trim()) { showError("Paste JSONL or choose a file."); return; }
    const data = new FormData();
    data.append("purpose", "fine-tune");
    data.append("file", picked || new Blob([form.jsonl.value], { type: "application/jsonl" }),
      picked ? picked.name : "pasted.jsonl");
    button.disabled = true;
    try {
      const file = await api("/v1/files", { method: "POST", body: data });
      if (file.status !== "processed") {
        document.getElementById("report").textContent = file.status_details || "The file could not be used.";
        reportBox.hidden = false;
        return;
      }
      const body = { model: form.model.value, training_file: file.id };
      if (form.suffix.value) body.suffix = form.suffix.value;
      body.method = { type: "supervised", supervised: { hyperparameters: hyperparameters(form) } };
      const job = await api(JOBS, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      window.location = "/jobs/" + job.id;
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
}

// --- one job

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

async function jobPage() {
  const id = document.body.dataset.job;
  let seenMetrics = -1;
  let ended = false;
  for (const action of ["pause", "resume", "cancel"]) {
    document.getElementById(action).addEventListener("click", async () => {
      try { await api(`${JOBS}/${id}/${action}`, { method: "POST" }); } catch (error) { showError(error); }
    });
  }
  const stop = every(POLL_MS, async () => {
    const job = await api(`${JOBS}/${id}`);
    document.getElementById("status").replaceWith(Object.assign(statusBadge(job.status), { id: "status" }));
    document.getElementById("job-model").textContent = job.model;
    document.getElementById("tuned").textContent = job.fine_tuned_model || "not yet";
    document.getElementById("hyper").textContent = Object.entries(job.hyperparameters || {})
      .map(([k, v]) => `${k} ${v}`).join(", ");
    document.getElementById("tokens").textContent = job.trained_tokens === null ? "" : String(job.trained_tokens);
    document.getElementById("eta").textContent = ENDED.has(job.status) ? "" : when(job.estimated_finish);
    document.getElementById("job-error").textContent = job.error ? `${job.error.code}: ${job.error.message}` : "";
    document.getElementById("pause").disabled = !["running", "queued"].includes(job.status);
    document.getElementById("resume").disabled = job.status !== "paused";
    document.getElementById("cancel").disabled = ENDED.has(job.status);
    const chat = document.getElementById("chat-link");
    chat.hidden = !job.fine_tuned_model;
    if (job.fine_tuned_model) chat.href = "/playground?model=" + encodeURIComponent(job.fine_tuned_model);
    document.getElementById("evaluate-button").disabled = job.status !== "succeeded";

    const events = (await api(`${JOBS}/${id}/events?limit=100`)).data;
    document.getElementById("events").replaceChildren(...events.map((e) =>
      el("li", { class: e.level }, el("time", { text: when(e.created_at) }), " ", e.message)));
    const metrics = events.filter((e) => e.type === "metrics").length;
    if (metrics !== seenMetrics) {
      seenMetrics = metrics;
      const img = document.getElementById("loss");
      img.hidden = metrics === 0;
      document.getElementById("loss-empty").hidden = metrics > 0;
      if (metrics > 0) img.src = `/dashboard/jobs/${id}/loss.svg?points=${metrics}`;
    }
    const checkpoints = (await api(`${JOBS}/${id}/checkpoints`)).data;
    fill(document.querySelector("#checkpoints tbody"), checkpoints.map((c) => [
      String(c.step_number),
      c.metrics.train_loss === null || c.metrics.train_loss === undefined ? "" : c.metrics.train_loss.toFixed(4),
      el("a", { href: "/playground?model=" + encodeURIComponent(c.fine_tuned_model_checkpoint),
        text: c.fine_tuned_model_checkpoint }),
    ]));
    await evaluations(id);
    if (ENDED.has(job.status)) {
      if (ended) stop(); // one more round after the end, for the last events and the final chart
      ended = true;
    }
  });
  document.getElementById("evaluate").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData();
    data.append("tasks", event.target.tasks.files[0]);
    try {
      await api(`/dashboard/jobs/${id}/evaluations`, { method: "POST", body: data });
      every(POLL_MS * 2, () => evaluations(id));
    } catch (error) { showError(error); }
  });
}

async function evaluations(id) {
  const found = (await api(`/dashboard/jobs/${id}/evaluations`)).data;
  fill(document.querySelector("#evaluations tbody"), found.map((e) => [
    when(e.created_at),
    el("span", { class: "status " + e.status, text: e.status, title: e.error || "" }),
    e.completion === null ? "" : `${(100 * e.completion).toFixed(0)}% of ${e.episodes}`,
    e.report ? el("a", { href: e.report, target: "report-frame", text: "report",
      onclick: () => { document.getElementById("report-frame").hidden = false; } }) : (e.error || ""),
  ]));
}

// --- models

async function modelsPage() {
  const draw = async () => {
    const models = (await api("/v1/models")).data;
    fill(document.querySelector("#models tbody"), models.map((m) => [
      el("a", { href: "/playground?model=" + encodeURIComponent(m.id), text: m.id }),
      m.base || m.parent || "",
      m.job ? el("a", { href: "/jobs/" + m.job, text: m.job }) : "",
      when(m.created),
      m.id.startsWith("ft:") ? el("button", {
        type: "button", text: "Delete", class: "danger",
        onclick: async () => {
          if (!window.confirm(`Delete ${m.id}?`)) return;
          try { await api("/v1/models/" + encodeURIComponent(m.id), { method: "DELETE" }); await draw(); }
          catch (error) { showError(error); }
        },
      }) : "",
    ]));
  };
  every(POLL_MS * 4, draw);
}

// --- playground: the model's tool calls run on the registry's MCP servers; writes wait for a click

const chat = { messages: [], tools: [], chosen: new Set() };

function bubble(role, ...content) {
  const box = el("div", { class: "message " + role }, el("span", { class: "role", text: role }), ...content);
  document.getElementById("conversation").append(box);
  box.scrollIntoView({ block: "end" });
  return box;
}

async function playgroundPage() {
  const select = document.getElementById("model-select");
  const wanted = new URLSearchParams(location.search).get("model");
  const models = (await api("/v1/models")).data;
  select.replaceChildren(...models.map((m) => el("option", { value: m.id, text: m.id })));
  if (wanted) select.value = wanted;
  document.getElementById("clear").addEventListener("click", () => {
    chat.messages = [];
    document.getElementById("conversation").replaceChildren();
  });
  document.getElementById("ask").addEventListener("submit", async (event) => {
    event.preventDefault();
    const prompt = document.getElementById("prompt");
    const text = prompt.value.trim();
    if (!text) return;
    prompt.value = "";
    chat.messages.push({ role: "user", content: text });
    bubble("user", text);
    const send = document.getElementById("send");
    send.disabled = true;
    try { await converse(select.value); } catch (error) { showError(error); } finally { send.disabled = false; }
  });
  loadTools();
}

async function loadTools() {
  const status = document.getElementById("tools-status");
  try {
    const found = await api("/dashboard/tools");
    chat.tools = found.tools;
    const servers = document.getElementById("servers");
    servers.replaceChildren(...found.servers.map((server) => {
      const tools = found.tools.filter((t) => t.server === server.name);
      const box = el("input", { type: "checkbox", id: "server-" + server.name });
      box.checked = true;
      tools.forEach((t) => chat.chosen.add(t.spec.function.name));
      box.addEventListener("change", () => tools.forEach((t) =>
        box.checked ? chat.chosen.add(t.spec.function.name) : chat.chosen.delete(t.spec.function.name)));
      return el("details", { class: "server" },
        el("summary", {}, box, el("label", { for: "server-" + server.name, text: ` ${server.name}` }),
          el("span", { class: "count", text: server.error ? ` (${server.error})` : ` ${tools.length} tools` })),
        el("ul", {}, ...tools.map((t) => el("li", {},
          el("code", { text: t.spec.function.name }), t.asks_first ? " (asks first) " : " ",
          t.spec.function.description || ""))));
    }));
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    status.textContent = `${plural(found.tools.length, "tool")} from ${plural(found.servers.length, "server")}; ` +
      "the model sees the checked ones.";
  } catch (error) {
    status.textContent = "No tools: " + error.message;
  }
}

async function converse(model) {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const tools = chat.tools.filter((t) => chat.chosen.has(t.spec.function.name)).map((t) => t.spec);
    const body = { model, messages: chat.messages, max_tokens: 256 };
    if (tools.length) body.tools = tools;
    const reply = await api("/v1/chat/completions", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const message = reply.choices[0].message;
    chat.messages.push({ role: "assistant", content: message.content, tool_calls: message.tool_calls || undefined });
    if (!message.tool_calls || !message.tool_calls.length) {
      bubble("assistant", message.content || "(no answer)");
      return;
    }
    if (message.content) bubble("assistant", message.content);
    for (const call of message.tool_calls) {
      const content = await runCall(call);
      chat.messages.push({ role: "tool", tool_call_id: call.id, content });
    }
  }
  bubble("note", `Stopped after ${MAX_ROUNDS} model turns.`);
}

async function runCall(call) {
  const name = call.function.name;
  const tool = chat.tools.find((t) => t.spec.function.name === name);
  const result = el("pre", { class: "result" });
  const panel = bubble("tool", el("div", { class: "call" }, el("code", { text: name }), " ",
    el("code", { class: "arguments", text: call.function.arguments })), result);
  if (tool && tool.asks_first) {
    const allowed = await new Promise((resolve) => {
      const run = el("button", { type: "button", text: "Run", onclick: () => resolve(true) });
      const skip = el("button", { type: "button", text: "Skip", onclick: () => resolve(false) });
      const ask = el("p", { class: "approve" }, `${name} may change things. `, run, " ", skip);
      panel.append(ask);
    });
    panel.querySelector(".approve").remove();
    if (!allowed) {
      result.textContent = "Skipped: the user declined this call.";
      return "The user declined this tool call.";
    }
  }
  result.textContent = "running…";
  const outcome = await api("/dashboard/tools/call", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name, arguments: call.function.arguments }),
  });
  result.textContent = outcome.content;
  result.classList.toggle("error", outcome.is_error);
  return outcome.content;
}

// --- start

document.addEventListener("DOMContentLoaded", () => {
  const load = () => hardware().catch(() => {}).finally(() => setTimeout(load, 3000)); // never the page's error
  load();
  const pages = { jobs: jobsPage, new: newPage, job: jobPage, models: modelsPage, playground: playgroundPage };
  const page = pages[document.body.dataset.page];
  if (page) page().catch(showError);
});
