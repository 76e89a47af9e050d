/* Staff reply queue (/staff/requests/): list the department's requests and act on one through /api/portal/requests. */
(function () {
  "use strict";
  var root = document.getElementById("odp-staff");
  var F = window.odpForm;   // field errors, CSRF and value casting, from forms.js (loaded first)
  if (!root || !F) return;
  var SESSION = "/api/portal/staff/session";   // the key lives in an HttpOnly cookie: no script here can read it
  var URGENCY = { due_soon: ["即将到期", "request"], overdue: ["已逾期", "overdue"],
                  seriously_overdue: ["严重逾期", "overdue"], supplement_expired: ["补正期限已过", "overdue"] };
  var MESSAGES = { required: "请填写此项", network: "无法连接服务器，请稍后再试", failed: "提交未成功，请检查下列各项",
                   server: "服务器出错，请稍后再试", noKey: "请先输入工作人员 API 密钥并登录" };
  var keyForm = document.getElementById("form-staff-key");
  var current = null;   // tracking number of the request on show
  var signedIn = false;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // Every call carries the CSRF token: the server honours the sign-in cookie only with it.
  function api(method, url, body) {
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return F.csrf().then(function (t) {
      if (t) init.headers["X-CSRF-Token"] = t;
      return fetch(url, init);
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok && data.ok !== false, status: resp.status, data: data };
      });
    });
  }

  // ---- errors next to fields: the shared helpers of forms.js ----
  function summary(form, text, loose) {
    F.summary(form, text, loose);
    var box = form.querySelector(".odp-form-errors");
    var bad = form.querySelector("[aria-invalid=true]");
    if (bad) { bad.focus(); return; }
    box.setAttribute("tabindex", "-1");
    box.focus();
  }
  function failed(form, res) {
    var errors = res.data.fields || res.data.errors || {}, loose = [];
    Object.keys(errors).forEach(function (n) { if (!F.showError(form, n, errors[n])) loose.push(errors[n]); });
    var text = res.data.error || res.data.message || (res.status >= 500 ? MESSAGES.server : MESSAGES.failed);
    summary(form, typeof text === "string" ? text : MESSAGES.failed, loose);
  }

  function collect(form) {
    var body = {}, missing = [];
    F.fields(form).forEach(function (c) {
      var v = c.value.trim();
      if (c.required && !v) missing.push(c.name);
      if (v === "" || c.getAttribute("data-send") !== "body") return;
      body[c.name] = F.cast(c.getAttribute("data-cast"), v);
    });
    return { body: body, missing: missing };
  }

  // ---- the queue ----
  function urgencyBadge(u) {
    if (!URGENCY[u]) return el("span", u === "on_track" ? "正常" : "—");
    return el("span", URGENCY[u][0], "odp-badge odp-badge--" + URGENCY[u][1]);
  }

  function row(v) {
    var tr = el("tr");
    tr.setAttribute("data-tracking", v.tracking);
    [v.tracking, v.type_name || v.type, v.dataset || "目录外数据", v.state_name || v.state,
     (v.due || "—") + (v.provisional ? "（暂定）" : "")].forEach(function (t) { tr.appendChild(el("td", t)); });
    var u = el("td"); u.appendChild(urgencyBadge(v.urgency)); tr.appendChild(u);
    var act = el("td"), b = el("button", "查看并办理", "md-button");
    b.type = "button";
    b.setAttribute("aria-label", "查看并办理 " + v.tracking);
    b.addEventListener("click", function () { open(v.tracking, true); });
    act.appendChild(b); tr.appendChild(act);
    return tr;
  }

  function loadQueue() {
    var status = $("staff-queue-status"), params = new URLSearchParams();
    ["state", "urgency"].forEach(function (n) { if (keyForm.elements[n].value) params.set(n, keyForm.elements[n].value); });
    var url = "/api/portal/requests" + (params.toString() ? "?" + params : "");
    return api("GET", url).then(function (res) {
      if (!res.ok) { failed(keyForm, res); status.textContent = "未能载入待办。"; return; }
      var body = document.querySelector("#staff-queue tbody");
      body.textContent = "";
      res.data.requests.forEach(function (v) { body.appendChild(row(v)); });
      status.textContent = "共 " + res.data.requests.length + " 件申请。";
    }).catch(function () { summary(keyForm, MESSAGES.network); });
  }

  // ---- one request ----
  function pairs(dl, list) {
    dl.textContent = "";
    list.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") return;
      dl.appendChild(el("dt", p[0]));
      var dd = el("dd");
      if (p[1].nodeType) dd.appendChild(p[1]); else dd.textContent = p[1];
      dl.appendChild(dd);
    });
  }

  function fill(ul, items) {
    ul.textContent = "";
    items.forEach(function (t) { ul.appendChild(el("li", t)); });
  }

  function cause(c) {
    return Object.keys(c || {}).map(function (k) {
      var v = c[k];
      return k + "：" + (Array.isArray(v) ? v.join("、") : v);
    }).join("；");
  }

  function show(v) {
    current = v.tracking;
    var r = v.request || {};
    $("staff-detail-h").textContent = "申请详情：" + v.tracking;
    pairs($("staff-summary"), [["申请编号", v.tracking], ["类型", v.type_name], ["数据集", v.dataset || "目录外数据"],
      ["答复部门", v.department], ["状态", v.state_name], ["提交日期", v.submitted_on],
      ["办理期限", v.due ? v.due + (v.provisional ? "（暂定）" : "") : "未开始计时"], ["紧急程度", urgencyBadge(v.urgency)],
      ["补正期限", v.supplement_due], ["计时说明", v.clock_stopped], ["提示", v.warning], ["法律依据", v.law],
      ["用途", r.purpose], ["应用场景", r.scenario], ["数据说明", r.description],
      ["所需数据项", (r.items || []).join("、")], ["使用截止日期", r.use_until]]);
    fill($("staff-how"), v.how_computed && v.how_computed.length ? v.how_computed : ["尚未开始计时。"]);
    fill($("staff-days"), (v.day_by_day || []).map(function (d) {
      return d.date + "：" + (d.counted ? "计入" : "不计入") + (d.reason ? "（" + d.reason + "）" : "");
    }));
    var body = document.querySelector("#staff-events tbody");
    body.textContent = "";
    (v.events || []).forEach(function (e) {
      var tr = el("tr");
      [e.seq, e.on, e.action, (e.from || "—") + " → " + e.to, e.actor, cause(e.cause), e.due || "—"]
        .forEach(function (t) { tr.appendChild(el("td", String(t))); });
      body.appendChild(tr);
    });
    var any = false;
    root.querySelectorAll(".odp-staff-action").forEach(function (div) {
      var on = div.getAttribute("data-states").split(" ").indexOf(v.state) >= 0;
      div.hidden = !on;
      any = any || on;
    });
    $("staff-no-action").hidden = any;
    $("staff-detail").hidden = false;
  }

  function open(tracking, focus) {
    return api("GET", "/api/portal/requests/" + encodeURIComponent(tracking)).then(function (res) {
      if (!res.ok) { $("staff-queue-status").textContent = res.data.error || MESSAGES.failed; return; }
      root.querySelectorAll("form.odp-staff-form").forEach(function (f) {
        if (f !== keyForm) { F.clearErrors(f); f.reset(); f.parentNode.querySelector(".odp-result").textContent = ""; }
      });
      $("staff-action-status").textContent = "";
      show(res.data.request);
      if (focus) $("staff-detail-h").focus();
    }).catch(function () { $("staff-queue-status").textContent = MESSAGES.network; });
  }

  function act(form, ev) {
    ev.preventDefault();
    F.clearErrors(form);
    var out = form.parentNode.querySelector(".odp-result");
    out.textContent = "";
    if (!signedIn) return summary(form, MESSAGES.noKey);
    var req = collect(form);
    if (req.missing.length) {
      req.missing.forEach(function (n) { F.showError(form, n, MESSAGES.required); });
      return summary(form, MESSAGES.failed);
    }
    var url = form.getAttribute("data-endpoint").replace("{tracking}", encodeURIComponent(current));
    return api("POST", url, req.body || {}).then(function (res) {
      if (!res.ok) return failed(form, res);
      show(res.data.request);
      $("staff-action-status").textContent = "已办理，当前状态：" + res.data.request.state_name;
      loadQueue();
    }).catch(function () { summary(form, MESSAGES.network); });
  }

  // Sign in once: the key is posted to the server, which keeps it in an HttpOnly cookie; the field is emptied.
  keyForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    F.clearErrors(keyForm);
    var field = keyForm.elements["api_key"], value = field.value.trim();
    if (!value && signedIn) return loadQueue();
    if (!value) { F.showError(keyForm, "api_key", MESSAGES.required); return summary(keyForm, MESSAGES.failed); }
    return api("POST", SESSION, { key: value }).then(function (res) {
      field.value = "";
      if (!res.ok) { F.showError(keyForm, "api_key", res.data.error || MESSAGES.failed); return summary(keyForm, MESSAGES.failed); }
      signedIn = true;
      return loadQueue();
    }).catch(function () { summary(keyForm, MESSAGES.network); });
  });
  $("staff-forget").addEventListener("click", function () {
    api("DELETE", SESSION).then(function () {
      signedIn = false;
      keyForm.elements["api_key"].value = "";
      document.querySelector("#staff-queue tbody").textContent = "";
      $("staff-detail").hidden = true;
      $("staff-queue-status").textContent = "已退出登录。";
    }).catch(function () { $("staff-queue-status").textContent = MESSAGES.network; });
  });
  root.querySelectorAll("form.odp-staff-form").forEach(function (f) {
    if (f !== keyForm) f.addEventListener("submit", function (ev) { act(f, ev); });
  });
  api("GET", SESSION).then(function (res) {   // still signed in from earlier in this browser session
    if (res.ok && res.data.signed_in) { signedIn = true; loadQueue(); }
  }).catch(function () { /* the form stays */ });
})();
