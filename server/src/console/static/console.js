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

  // A request whose answer is a file: the response itself, after the same checks.
  async function apiRaw(method, path) {
    const s = session();
    const res = await fetch("/api/v1" + path, {
      method,
      headers: s ? { Authorization: "Bearer " + s.token } : {},
      credentials: "omit",
    });
    if (res.status === 401) {
      signOut("session_ended");
      throw new Error(w("session_ended"));
    }
    if (!res.ok) {
      let msg = res.status + "";
      try {
        const e = await res.json();
        msg = e.error.code + ": " + e.error.message;
      } catch (_) {
        /* not JSON */
      }
      throw new Error(msg);
    }
    return { res };
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
    const form = document.getElementById("report-form");
    // A report of the hall's business day until the manager picks other days.
    if (form && !form.elements.from.value) form.elements.from.value = s.hall.business_day;
    if (form && !form.elements.to.value) form.elements.to.value = s.hall.business_day;
    const day = document.getElementById("bookings-date");
    if (day) {
      document.getElementById("book-notify-box").hidden = !s.hall.notify;
      if (!day.value) {
        day.value = s.hall.business_day;
        loadBookings();
      }
    }
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
    } else if (e.type === "case" && page === "cases") {
      // A case changed (a step, an appeal, its timing): the list and the open case follow.
      loadCases();
      if (cases.open && cases.open.id === e.case.id) showCase(e.case.id);
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
    if (x.case_id) parts.push(w("next_step_is") + " " + w("step_" + x.detail));
    else if (x.detail) parts.push(x.detail);
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
    set(
      "t-satisfaction",
      t.satisfaction_permille === null || t.satisfaction_permille === undefined
        ? "–"
        : (t.satisfaction_permille / 10).toFixed(1) + "% · " + t.rated + " " + w("rated")
    );
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

  // ---- Reports ---------------------------------------------------------------------------------
  function reportQuery(form, format) {
    const q = new URLSearchParams();
    const data = new FormData(form);
    for (const k of ["from", "to", "service", "window", "staff", "class"]) {
      const v = (data.get(k) || "").toString().trim();
      if (v) q.set(k, v);
    }
    const by = data.getAll("by").map(String).filter((s) => s);
    if (by.length) q.set("by", by.join(","));
    if (format) q.set("format", format);
    return q.toString();
  }
  const seconds = (s) => (s === null || s === undefined ? "—" : (s / 60).toFixed(1));
  const rate = (r) => (r === null || r === undefined ? "—" : (r * 100).toFixed(1) + "%");
  function reportCells(f) {
    return [
      f.issued,
      f.served,
      f.no_show,
      seconds(f.wait.mean_s),
      seconds(f.wait.p90_s),
      seconds(f.handle.mean_s),
      seconds(f.handle.p90_s),
      rate(f.over_limit_rate),
      f.out_of_order,
      rate(f.ratings ? f.ratings.satisfaction_rate : null),
    ];
  }
  function reportTable(title, dims, rows) {
    const section = el("section", "report-grouping");
    section.appendChild(el("h2", null, title));
    const table = el("table", "report");
    const head = el("tr");
    dims.forEach((d) => head.appendChild(el("th", null, w("dim_" + d))));
    ["issued", "served", "no_show", "wait_mean", "wait_p90", "handle_mean", "handle_p90", "over_limit", "out_of_order", "satisfaction"].forEach((k) =>
      head.appendChild(el("th", "num", w("col_" + k)))
    );
    const thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    const tbody = el("tbody");
    const max = Math.max(1, ...rows.map((r) => r.figures.served));
    rows.forEach((r) => {
      const tr = el("tr");
      (r.label.length ? r.label : r.key).forEach((v) => tr.appendChild(el("td", null, v)));
      reportCells(r.figures).forEach((v, i) => {
        const td = el("td", "num", v);
        if (i === 1) {
          // A bar of the served count: the table is its own chart.
          const bar = el("span", "bar");
          bar.style.width = Math.round((r.figures.served / max) * 100) + "%";
          td.prepend(bar);
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    section.appendChild(table);
    return section;
  }
  async function loadReport() {
    const form = document.getElementById("report-form");
    const out = document.getElementById("report");
    const status = document.getElementById("report-status");
    setText(status, "");
    try {
      const { data } = await api("GET", "/reports?" + reportQuery(form));
      const parts = [el("p", "report-head", data.hall + " · " + data.from + " – " + data.to + " · " + dateTime(data.generated_at))];
      parts.push(reportTable(w("total"), [], [{ key: [], label: [], figures: data.total }]));
      data.groupings.forEach((g) => parts.push(reportTable(g.by.map((d) => w("dim_" + d)).join(" × "), g.by, g.rows)));
      out.replaceChildren(...parts);
    } catch (e) {
      setText(status, w("failed") + e.message);
    }
  }
  async function download(format) {
    const form = document.getElementById("report-form");
    const status = document.getElementById("report-status");
    try {
      const { res } = await apiRaw("GET", "/reports?" + reportQuery(form, format));
      const blob = await res.blob();
      const cd = res.headers.get("content-disposition") || "";
      const m = /filename="([^"]+)"/.exec(cd);
      const a = el("a");
      a.href = URL.createObjectURL(blob);
      a.download = m ? m[1] : "qcall-report." + format;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => {
        URL.revokeObjectURL(a.href);
        a.remove();
      }, 10000);
      setText(status, w("downloaded") + " " + a.download);
    } catch (e) {
      setText(status, w("failed") + e.message);
    }
  }


  // ---- 差评 cases -------------------------------------------------------------------------------
  const cases = { list: [], open: null };
  function caseRow(c) {
    const tr = el("tr", "case " + c.timing);
    tr.dataset.case = c.id;
    const r = c.rating;
    [
      r.case_no || c.id,
      dateTime(c.opened_at),
      r.window + w("window"),
      r.staff_no || "",
      serviceName(r.service_id),
      w("level_" + r.level),
      c.next_step ? w("step_" + c.next_step) : w("closed_case"),
      c.step_due_at ? dateTime(c.step_due_at) : "",
      dateTime(c.due_at),
      w("timing_" + c.timing) + (c.appeal && c.appeal.state === "pending" ? " · " + w("appeal_pending") : ""),
    ].forEach((v) => tr.appendChild(el("td", null, v)));
    tr.addEventListener("click", () => showCase(c.id));
    return tr;
  }
  async function loadCases() {
    const form = document.getElementById("cases-filter");
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form).entries()) if (v !== "") q.set(k, v);
    try {
      const { data } = await api("GET", "/cases?" + q.toString());
      // Deadlines first: overdue, then due soon, then by the next deadline.
      const order = { overdue: 0, due_soon: 1, on_time: 2, closed: 3 };
      cases.list = data.cases.sort((a, b) => order[a.timing] - order[b.timing] || (a.step_due_at || a.due_at) - (b.step_due_at || b.due_at));
      document.querySelector("#cases tbody").replaceChildren(...cases.list.map(caseRow));
      setText(document.getElementById("cases-status"), cases.list.length ? "" : w("no_cases"));
    } catch (e) {
      setText(document.getElementById("cases-status"), w("failed") + e.message);
    }
  }
  async function showCase(id) {
    const box = document.getElementById("case");
    try {
      const { data: c } = await api("GET", "/cases/" + id);
      cases.open = c;
      const r = c.rating;
      const parts = [el("h2", null, (r.case_no || "#" + c.id) + " · " + w("level_" + r.level) + " · " + w("timing_" + c.timing))];
      const facts = el("dl");
      const fact = (k, v) => {
        facts.appendChild(el("dt", null, w(k)));
        facts.appendChild(el("dd", null, v));
      };
      fact("f_ticket", r.number + " · " + serviceName(r.service_id) + " · " + r.window + w("window") + " · " + (r.staff_no || ""));
      fact("f_reasons", (r.reasons || []).map((x) => w("reason_" + x)).join("、") || w("none"));
      fact("f_words", r.text || w("none"));
      fact("f_due", dateTime(c.due_at));
      parts.push(facts);
      const steps = el("ol", "steps");
      c.steps.forEach((s) => {
        const li = el("li", s.at > s.due_at ? "late" : "");
        li.appendChild(el("strong", null, w("step_" + s.step)));
        li.appendChild(el("span", null, " " + dateTime(s.at) + " · " + s.by + " · "));
        li.appendChild(el("span", "note", s.note));
        steps.appendChild(li);
      });
      parts.push(steps);
      if (c.next_step) {
        const form = el("form", "step-form");
        form.appendChild(el("label", null, w("step_" + c.next_step) + (c.step_due_at ? " · " + w("due") + " " + dateTime(c.step_due_at) : "")));
        const note = el("textarea");
        note.name = "note";
        note.rows = 3;
        note.required = true;
        note.maxLength = 2000;
        form.appendChild(note);
        const b = el("button", null, w("record_step"));
        b.type = "submit";
        form.appendChild(b);
        const result = el("span", "result");
        form.appendChild(result);
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          try {
            await api("POST", "/cases/" + c.id + "/steps", { request_id: "console-" + c.id + "-" + c.next_step, step: c.next_step, note: note.value.trim() });
            await loadCases();
            await showCase(c.id);
          } catch (e) {
            setText(result, w("failed") + e.message);
          }
        });
        parts.push(form);
      }
      if (c.appeal) {
        const a = c.appeal;
        const p = el("div", "appeal");
        p.appendChild(el("h3", null, w("appeal") + " · " + w("appeal_" + a.state)));
        p.appendChild(el("p", null, a.by + " · " + dateTime(a.at) + " · " + a.reason));
        if (a.decision_note) p.appendChild(el("p", null, (a.decided_by || "") + " · " + a.decision_note));
        if (a.state === "pending") {
          const note = el("textarea");
          note.rows = 2;
          note.maxLength = 2000;
          p.appendChild(note);
          const result = el("span", "result");
          for (const uphold of [true, false]) {
            const b = el("button", uphold ? "uphold" : "reject", w(uphold ? "uphold" : "reject"));
            b.type = "button";
            b.addEventListener("click", async () => {
              try {
                await api("POST", "/ratings/" + r.id + "/appeal-decision", { request_id: "console-appeal-" + r.id, uphold, note: note.value.trim() });
                await loadCases();
                await showCase(c.id);
              } catch (e) {
                setText(result, w("failed") + e.message);
              }
            });
            p.appendChild(b);
          }
          p.appendChild(result);
        }
        parts.push(p);
      }
      box.replaceChildren(...parts);
    } catch (e) {
      box.replaceChildren(el("p", "error", w("failed") + e.message));
    }
  }

  // ---- Bookings (R25): a caller on the phone, and the day's list -----------------------------------
  const bookings = { services: [] };
  async function loadSlots() {
    const service = document.getElementById("book-service");
    const chosen = service.value;
    const { data } = await api("GET", "/public/booking/slots");
    bookings.services = data.services;
    service.replaceChildren(
      ...data.services.map((s) => {
        const o = el("option", null, lang === "en" ? s.name_en : s.name_zh);
        o.value = s.service_id;
        return o;
      }),
    );
    if (chosen && data.services.some((s) => s.service_id === chosen)) service.value = chosen;
    paintSlots();
  }
  function paintSlots() {
    const chosen = bookings.services.find((s) => s.service_id === document.getElementById("book-service").value);
    const options = [];
    for (const day of chosen ? chosen.days : []) {
      for (const slot of day.slots) {
        if (slot.free <= 0) continue;
        const o = el("option", null, day.date + " " + slot.slot + " (" + w("free") + " " + slot.free + ")");
        o.value = day.date + " " + slot.slot;
        options.push(o);
      }
    }
    if (!options.length) {
      const o = el("option", null, w("no_slots"));
      o.value = "";
      options.push(o);
    }
    document.getElementById("book-slot").replaceChildren(...options);
  }
  async function loadBookings() {
    const date = document.getElementById("bookings-date").value;
    const status = document.getElementById("bookings-status");
    try {
      const { data } = await api("GET", "/bookings?date=" + encodeURIComponent(date));
      const rows = data.bookings.map((b) => {
        const tr = el("tr", "booking " + b.state);
        tr.dataset.code = b.code;
        [
          b.slot,
          serviceName(b.service_id),
          b.name_masked,
          b.phone_masked,
          b.code,
          w("booking_" + b.state) + (b.slot_removed ? " · " + w("slot_removed") : ""),
          b.ticket_number || "",
        ].forEach((v) => tr.appendChild(el("td", null, v)));
        const cell = el("td");
        if (b.state === "booked") {
          const cancel = el("button", "cancel", w("cancel_booking"));
          cancel.type = "button";
          cancel.addEventListener("click", async () => {
            try {
              await api("POST", "/bookings/" + encodeURIComponent(b.code) + "/cancel", {});
              await loadBookings();
              await loadSlots();
            } catch (e) {
              setText(status, w("failed") + e.message);
            }
          });
          cell.appendChild(cancel);
        }
        tr.appendChild(cell);
        return tr;
      });
      document.querySelector("#bookings tbody").replaceChildren(...rows);
      setText(status, rows.length ? "" : w("no_bookings"));
    } catch (e) {
      setText(status, w("failed") + e.message);
    }
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
  if (page === "reports") {
    const form = document.getElementById("report-form");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      loadReport();
    });
    document.getElementById("report-csv").addEventListener("click", () => download("csv"));
    document.getElementById("report-xlsx").addEventListener("click", () => download("xlsx"));
    document.getElementById("report-print").addEventListener("click", () => window.print());
  }
  if (page === "cases") {
    document.getElementById("cases-filter").addEventListener("submit", (ev) => {
      ev.preventDefault();
      loadCases();
    });
    loadCases();
  }
  if (page === "bookings") {
    const form = document.getElementById("book-form");
    const result = document.getElementById("book-result");
    document.getElementById("book-service").addEventListener("change", paintSlots);
    // One request id per filled-in form: a second click of 预约 is the same booking (R6).
    let requestId = null;
    form.addEventListener("input", () => (requestId = null));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const [date, slot] = String(f.get("slot") || "").split(" ");
      if (!date || !slot) return;
      requestId = requestId || "console-book-" + Date.now() + "-" + Math.random().toString(36).slice(2, 10);
      try {
        const { data } = await api("POST", "/bookings", {
          service_id: f.get("service_id"),
          date,
          slot,
          name: String(f.get("name")).trim(),
          phone: String(f.get("phone")).trim(),
          citizen_id: String(f.get("citizen_id") || "").trim() || null,
          notify: f.get("notify") === "on",
          request_id: requestId,
        });
        result.replaceChildren(el("span", null, w("booked_code") + " "), el("strong", "code", data.booking.code), el("span", null, " · " + data.booking.date + " " + data.booking.slot));
        form.reset();
        requestId = null;
        document.getElementById("bookings-date").value = data.booking.date;
        await loadSlots();
        await loadBookings();
      } catch (e) {
        setText(result, w("failed") + e.message);
      }
    });
    document.getElementById("bookings-filter").addEventListener("submit", (ev) => {
      ev.preventDefault();
      loadBookings();
    });
    loadSlots().catch((e) => setText(result, w("failed") + e.message));
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
