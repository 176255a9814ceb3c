// qcall console: sign-in, REST calls with the bearer token, and live updates over the WebSocket.
// The token lives in this tab's sessionStorage only (never a cookie). Every text from the server is
// written with textContent, never as HTML. Warnings and figures are computed by the server; this
// script only shows them, and touches only the cells whose text changed.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const lang = body.dataset.lang || "zh";
  const W = JSON.parse(body.dataset.words || "{}");
  const KEY = "qcall.console";
  const w = (k) => W[k] || k;

  function session() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "null");
    } catch (_) {
      return null;
    }
  }
  function signOut(reason) {
    sessionStorage.removeItem(KEY);
    const q = "?lang=" + lang + (reason ? "&reason=" + encodeURIComponent(reason) : "");
    location.replace("/console" + q);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // Changes a node's text only when it differs: the browser repaints only what changed.
  function setText(node, text) {
    const t = text === undefined || text === null ? "" : String(text);
    if (node.textContent !== t) node.textContent = t;
  }
  function setClass(node, cls) {
    if (node.className !== cls) node.className = cls;
  }

  async function api(method, path, payload) {
    const s = session();
    const headers = { Accept: "application/json" };
    if (s) headers.Authorization = "Bearer " + s.token;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch("/api/v1" + path, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      credentials: "omit",
    });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = null;
    }
    if (res.status === 401) {
      signOut("session_ended");
      throw new Error(w("session_ended"));
    }
    if (!res.ok) {
      const msg = data && data.error ? data.error.code + ": " + data.error.message : res.status + " " + text;
      throw new Error(msg);
    }
    return { data, res };
  }

  // ---- Time ------------------------------------------------------------------------------------
  // The server's clock rules (a hall may run on a clock that is not this PC's): offset from each message.
  let skew = 0;
  const serverNow = () => Date.now() + skew;
  function seen(at) {
    if (typeof at === "number") skew = at - Date.now();
  }
  let timeZone = "Asia/Shanghai";
  function clock(ms) {
    if (ms === null || ms === undefined) return "";
    try {
      return new Date(ms).toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN", {
        timeZone,
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hour12: false,
      });
    } catch (_) {
      return new Date(ms).toISOString().slice(11, 19);
    }
  }
  function dateTime(ms) {
    try {
      return new Date(ms).toLocaleString(lang === "en" ? "en-GB" : "zh-CN", { timeZone, hour12: false });
    } catch (_) {
      return new Date(ms).toISOString();
    }
  }
  function duration(fromMs) {
    if (fromMs === null || fromMs === undefined) return "";
    const s = Math.max(0, Math.floor((serverNow() - fromMs) / 1000));
    const m = Math.floor(s / 60);
    const r = s % 60;
    return m + ":" + String(r).padStart(2, "0");
  }

  // ---- Sign-in ---------------------------------------------------------------------------------
  if (page === "sign-in") {
    const params = new URLSearchParams(location.search);
    const err = document.getElementById("signin-error");
    if (params.get("reason")) setText(err, w(params.get("reason")));
    if (session()) location.replace("/console/dashboard?lang=" + lang);
    document.getElementById("signin").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      setText(err, "");
      const staff_no = document.getElementById("staff_no").value.trim();
      const password = document.getElementById("password").value;
      try {
        const { data } = await api("POST", "/auth/login", { staff_no, password });
        if (data.role !== "manager" && data.role !== "admin") {
          setText(err, w("not_manager"));
          return;
        }
        sessionStorage.setItem(
          KEY,
          JSON.stringify({ token: data.token, name: data.staff.name, staff_no: data.staff.staff_no, role: data.role, expires_at: data.expires_at })
        );
        location.replace("/console/dashboard?lang=" + lang);
      } catch (e) {
        setText(err, e.message);
      }
    });
    return;
  }

  const me = session();
  if (!me) {
    signOut();
    return;
  }
  setText(document.getElementById("who"), me.name + " (" + me.staff_no + ")");
  document.getElementById("signout").addEventListener("click", () => signOut());

  // ---- The live hall ---------------------------------------------------------------------------
  const hall = { services: new Map(), windows: new Map(), notices: [], tickets: new Map(), console: null };
  const link = document.getElementById("link");
  const serviceName = (id) => {
    const s = hall.services.get(id);
    return s ? (lang === "en" ? s.name_en : s.name_zh) : id;
  };

  let backoff = 500;
  function connect() {
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(proto + location.host + "/api/v1/ws");
    ws.onopen = () => ws.send(JSON.stringify({ as: "staff", token: me.token }));
    ws.onmessage = (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch (_) {
        return;
      }
      seen(msg.at);
      if (msg.type === "refused") {
        if (msg.error && msg.error.code === "unauthorized") signOut("session_ended");
        return;
      }
      backoff = 500;
      setText(link, w("live"));
      setClass(link, "link up");
      if (msg.type === "snapshot") onSnapshot(msg);
      else if (msg.type === "events") msg.events.forEach(onEvent);
      else if (msg.type === "console") onConsole(msg);
      // The server's time moved: the durations follow it at once, not at the next second.
      if (page === "dashboard") tick();
    };
    ws.onclose = () => {
      setText(link, w("link_down"));
      setClass(link, "link down");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  }

  function onSnapshot(s) {
    timeZone = s.hall.time_zone || timeZone;
    hall.services = new Map(s.services.map((x) => [x.id, x]));
    hall.windows = new Map(s.windows.map((x) => [x.number, x]));
    hall.notices = s.hall.notices;
    hall.tickets = new Map(s.open_tickets.map((t) => [t.id, t]));
    view.snapshot();
  }
  function onEvent(e) {
    if (e.type === "window") {
      hall.windows.set(e.window.number, e.window);
      view.window(e.window);
    } else if (e.type === "notices") {
      hall.notices = e.notices;
      view.notices();
    } else if (e.type === "ticket") {
      hall.tickets.set(e.ticket.id, e.ticket);
    }
  }
  function onConsole(c) {
    hall.console = c;
    view.console(c);
  }

  function renderNotices() {
    const list = document.getElementById("notices-now");
    if (!list) return;
    list.replaceChildren(...hall.notices.map((n) => el("li", null, n)));
  }

  // ---- Dashboard -------------------------------------------------------------------------------
  function windowRow(tbody, no) {
    let tr = tbody.querySelector('tr[data-window="' + no + '"]');
    if (!tr) {
      tr = el("tr");
      tr.dataset.window = no;
      for (let i = 0; i < 6; i++) tr.appendChild(el("td"));
      tbody.appendChild(tr);
    }
    return tr;
  }
  function windowState(v) {
    if (v.status === "paused") return w("paused") + (v.pause_reason ? " · " + w(v.pause_reason) : "");
    if (v.status === "closed") return w("closed");
    if (v.current) return w(v.current.state);
    return w("idle");
  }
  function windowSince(v) {
    if (v.status === "paused") return v.paused_since;
    if (v.current) return v.current.started_at || v.current.called_at;
    return null;
  }
  function paintWindow(v) {
    const tbody = document.querySelector("#windows tbody");
    if (!tbody) return;
    const c = windowRow(tbody, v.number).children;
    setText(c[0], v.number + " " + v.name);
    setText(c[1], windowState(v));
    setClass(c[1], "state " + v.status + (v.current ? " " + v.current.state : ""));
    setText(c[2], v.staff ? v.staff.name + " (" + v.staff.staff_no + ")" : "");
    setText(c[3], v.current ? v.current.number : "");
    c[4].dataset.since = windowSince(v) || "";
    setText(c[4], duration(windowSince(v)));
    setText(c[5], v.held.join(" "));
  }
  function paintServices(figures) {
    const tbody = document.querySelector("#services tbody");
    if (!tbody) return;
    const byId = new Map((figures || []).map((f) => [f.service_id, f]));
    for (const s of hall.services.values()) {
      let tr = tbody.querySelector('tr[data-service="' + CSS.escape(s.id) + '"]');
      if (!tr) {
        tr = el("tr");
        tr.dataset.service = s.id;
        tr.appendChild(el("td"));
        for (let i = 0; i < 6; i++) tr.appendChild(el("td", "num"));
        tbody.appendChild(tr);
      }
      const f = byId.get(s.id) || {};
      const c = tr.children;
      setText(c[0], s.prefix + " " + serviceName(s.id));
      setText(c[1], f.waiting === undefined ? "" : f.waiting);
      c[2].dataset.since = f.longest_since || "";
      setText(c[2], duration(f.longest_since));
      setText(c[3], f.estimated_wait_minutes === null || f.estimated_wait_minutes === undefined ? "—" : f.estimated_wait_minutes + " " + w("min"));
      setText(c[4], f.issued === undefined ? "" : f.issued);
      setText(c[5], f.served === undefined ? "" : f.served);
      setText(c[6], f.no_show === undefined ? "" : f.no_show);
    }
  }
  function warningText(x) {
    const parts = [w(x.kind)];
    if (x.service_id) parts.push(serviceName(x.service_id));
    if (x.window) parts.push(x.window + w("window"));
    if (x.device) parts.push(x.device);
    if (x.number) parts.push(x.number);
    if (x.value !== undefined && x.limit !== undefined) {
      const unit = x.kind === "waiting_count" ? w("tickets") : w("min");
      parts.push(x.value + " " + unit + " (" + w("limit") + " " + x.limit + ")");
    }
    if (x.detail) parts.push(x.detail);
    return parts.join(" · ");
  }
  function paintWarnings(list) {
    const ul = document.getElementById("warnings");
    if (!ul) return;
    const keep = new Set(list.map((x) => x.key));
    for (const li of Array.from(ul.children)) if (!keep.has(li.dataset.key)) li.remove();
    if (list.length === 0) {
      ul.replaceChildren(el("li", "none", w("no_warnings")));
      return;
    }
    for (const li of Array.from(ul.querySelectorAll("li.none"))) li.remove();
    list.forEach((x, i) => {
      let li = ul.querySelector('li[data-key="' + CSS.escape(x.key) + '"]');
      if (!li) {
        li = el("li", "warning " + x.kind);
        li.dataset.key = x.key;
        li.appendChild(el("time"));
        li.appendChild(el("span"));
      }
      setText(li.children[0], w("since") + " " + clock(x.since));
      setText(li.children[1], warningText(x));
      if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] || null);
    });
  }
  function paintDevices(list) {
    const tbody = document.querySelector("#devices tbody");
    if (!tbody) return;
    list.forEach((d) => {
      let tr = tbody.querySelector('tr[data-device="' + CSS.escape(d.name) + '"]');
      if (!tr) {
        tr = el("tr");
        tr.dataset.device = d.name;
        for (let i = 0; i < 6; i++) tr.appendChild(el("td"));
        tbody.appendChild(tr);
      }
      const c = tr.children;
      setText(c[0], d.name);
      setText(c[1], d.kind);
      const linkText = d.since === null || d.since === undefined ? w("never_seen") : (d.online ? w("online") : w("offline")) + " · " + w("since") + " " + clock(d.since);
      setText(c[2], d.online ? linkText : d.since ? linkText : w("offline") + " · " + w("never_seen"));
      setClass(c[2], d.online ? "up" : "down");
      setText(c[3], d.status ? d.status.app_version : "");
      setText(c[4], d.status ? d.status.mode : "");
      setText(c[5], d.faults.map((f) => (f === "no_audio" ? w("no_audio") : f.replace(/^printer:/, w("printer") + ":"))).join("; "));
      setClass(c[5], d.faults.length ? "fault" : "");
    });
  }
  function paintToday(t) {
    const set = (id, v) => {
      const n = document.getElementById(id);
      if (n) setText(n, v);
    };
    set("t-issued", t.issued);
    set("t-served", t.served);
    set("t-no-show", t.no_show);
    set("t-ooo", t.out_of_order);
  }
  // Only the duration cells change with time: once a second, and only their text.
  function tick() {
    for (const td of document.querySelectorAll("td[data-since]")) {
      const since = td.dataset.since ? Number(td.dataset.since) : null;
      setText(td, duration(since));
    }
  }

  // ---- Audit log -------------------------------------------------------------------------------
  const audit = { stack: [], after: 0, next: null };
  async function loadAudit() {
    const form = document.getElementById("audit-filter");
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form).entries()) if (v !== "") q.set(k, v);
    q.set("after", String(audit.after));
    q.set("limit", "50");
    try {
      const { data } = await api("GET", "/audit?" + q.toString());
      const tbody = document.querySelector("#audit tbody");
      tbody.replaceChildren(
        ...data.entries.map((e) => {
          const tr = el("tr", e.out_of_order ? "out-of-order" : "");
          [e.seq, dateTime(e.at), e.actor, e.action + (e.out_of_order ? " · " + w("out_of_order") : ""), e.window || "", e.number || "", e.detail === "null" ? "" : e.detail].forEach((v) =>
            tr.appendChild(el("td", null, v))
          );
          return tr;
        })
      );
      audit.next = data.next_after;
      document.getElementById("audit-next").disabled = data.next_after === null || data.next_after === undefined;
      document.getElementById("audit-prev").disabled = audit.stack.length === 0;
      setText(document.getElementById("audit-page"), String(audit.stack.length + 1));
    } catch (e) {
      setText(document.getElementById("audit-page"), w("failed") + e.message);
    }
  }

  // ---- Window services -------------------------------------------------------------------------
  function paintWindowServices(v) {
    const box = document.getElementById("window-services");
    if (!box) return;
    let form = box.querySelector('form[data-window="' + v.number + '"]');
    if (!form) {
      form = el("form", "window-services");
      form.dataset.window = v.number;
      form.appendChild(el("h2", null, v.number + " " + v.name));
      const table = el("table");
      const head = el("tr");
      ["", w("primary"), w("secondary")].forEach((h) => head.appendChild(el("th", null, h)));
      table.appendChild(head);
      for (const s of hall.services.values()) {
        const tr = el("tr");
        tr.appendChild(el("td", null, s.prefix + " " + serviceName(s.id)));
        for (const role of ["primary", "secondary"]) {
          const td = el("td");
          const box = el("input");
          box.type = "checkbox";
          box.name = role;
          box.value = s.id;
          td.appendChild(box);
          tr.appendChild(td);
        }
        table.appendChild(tr);
      }
      form.appendChild(table);
      const save = el("button", null, w("save"));
      save.type = "submit";
      form.appendChild(save);
      form.appendChild(el("span", "result"));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const pick = (role) => Array.from(form.querySelectorAll('input[name="' + role + '"]:checked')).map((b) => b.value);
        const result = form.querySelector(".result");
        try {
          await api("PUT", "/windows/" + v.number + "/services", { primary: pick("primary"), secondary: pick("secondary") });
          setText(result, w("saved"));
        } catch (e) {
          setText(result, w("failed") + e.message);
        }
      });
      box.appendChild(form);
    }
    for (const b of form.querySelectorAll("input[type=checkbox]")) {
      b.checked = (b.name === "primary" ? v.primary : v.secondary).includes(b.value);
    }
  }

  // ---- Staff -----------------------------------------------------------------------------------
  let staffList = [];
  function paintStaff() {
    const tbody = document.querySelector("#staff tbody");
    if (!tbody) return;
    const where = new Map();
    for (const v of hall.windows.values()) if (v.staff) where.set(v.staff.staff_no, v.number + " " + v.name);
    tbody.replaceChildren(
      ...staffList.map((s) => {
        const tr = el("tr");
        [s.card.staff_no, s.card.name, w(s.role), where.get(s.card.staff_no) || w("signed_out"), s.windows.length ? s.windows.join(", ") : "*"].forEach((v) =>
          tr.appendChild(el("td", null, v))
        );
        return tr;
      })
    );
  }

  // ---- Per page --------------------------------------------------------------------------------
  const view = {
    snapshot() {
      renderNotices();
      if (page === "dashboard") {
        for (const v of hall.windows.values()) paintWindow(v);
        paintServices(hall.console ? hall.console.services : []);
      } else if (page === "windows") {
        for (const v of hall.windows.values()) paintWindowServices(v);
      } else if (page === "staff") {
        paintStaff();
      } else if (page === "notices") {
        const text = document.getElementById("notices-text");
        if (text && !text.dataset.touched) text.value = hall.notices.join("\n");
      }
    },
    window(v) {
      if (page === "dashboard") paintWindow(v);
      else if (page === "windows") paintWindowServices(v);
      else if (page === "staff") paintStaff();
    },
    notices() {
      renderNotices();
    },
    console(c) {
      if (page !== "dashboard") return;
      paintWarnings(c.warnings);
      paintDevices(c.devices);
      paintServices(c.services);
      paintToday(c.today);
    },
  };

  if (page === "dashboard") setInterval(tick, 1000);
  if (page === "audit") {
    const form = document.getElementById("audit-filter");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      audit.stack = [];
      audit.after = 0;
      loadAudit();
    });
    document.getElementById("audit-next").addEventListener("click", () => {
      if (audit.next === null || audit.next === undefined) return;
      audit.stack.push(audit.after);
      audit.after = audit.next;
      loadAudit();
    });
    document.getElementById("audit-prev").addEventListener("click", () => {
      if (!audit.stack.length) return;
      audit.after = audit.stack.pop();
      loadAudit();
    });
    loadAudit();
  }
  if (page === "notices") {
    const text = document.getElementById("notices-text");
    text.addEventListener("input", () => (text.dataset.touched = "1"));
    document.getElementById("notices-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const notices = text.value.split("\n").map((s) => s.trim()).filter((s) => s.length);
      const result = document.getElementById("notices-result");
      try {
        await api("PUT", "/notices", { notices });
        delete text.dataset.touched;
        setText(result, w("saved"));
      } catch (e) {
        setText(result, w("failed") + e.message);
      }
    });
  }
  if (page === "staff") {
    api("GET", "/staff")
      .then(({ data }) => {
        staffList = data;
        paintStaff();
      })
      .catch((e) => setText(link, w("failed") + e.message));
  }
  connect();
})();
