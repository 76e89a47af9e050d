/* Portal forms: post JSON to /api/portal/... and show Chinese errors next to each field. */
(function () {
  "use strict";
  var MESSAGES = {
    required: "请填写此项",
    network: "无法连接服务器，请稍后再试",
    notFound: "该服务暂未开通，请稍后再试",
    failed: "提交未成功，请检查下列各项",
    server: "服务器出错，请稍后再试"
  };

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.disabled && el.tagName !== "BUTTON";
    });
  }

  function clearErrors(form) {
    form.querySelectorAll(".odp-error").forEach(function (el) { el.remove(); });
    fields(form).forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id.slice(-6) !== "-error";
      });
      if (ids.length) el.setAttribute("aria-describedby", ids.join(" ")); else el.removeAttribute("aria-describedby");
    });
    var box = form.querySelector(".odp-form-errors");
    box.hidden = true;
    box.textContent = "";
  }

  function showError(form, name, message) {
    var el = form.elements[name];
    if (!el || !el.id) return false;
    var p = document.createElement("p");
    p.className = "odp-error";
    p.id = el.id + "-error";
    p.textContent = message;
    el.parentNode.appendChild(p);
    el.setAttribute("aria-invalid", "true");
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    ids.push(p.id);
    el.setAttribute("aria-describedby", ids.join(" "));
    return true;
  }

  function summary(form, text, errors) {
    var box = form.querySelector(".odp-form-errors");
    box.textContent = text;
    if (errors && errors.length) {
      var ul = document.createElement("ul");
      errors.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.appendChild(li); });
      box.appendChild(ul);
    }
    box.hidden = false;
  }

  function line(out, cls, label, value) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = label;
    if (value !== undefined) {
      var code = document.createElement("code");
      code.textContent = value;
      p.appendChild(code);
    }
    out.appendChild(p);
  }

  function showResult(form, data) {
    var out = form.parentNode.querySelector(".odp-result");
    out.textContent = "";
    line(out, "odp-success", data.message || data.note || "提交成功");
    if (data.code_sent) line(out, "odp-key", "验证码已发送到您的手机，请在下方输入。");
    if (data.key) line(out, "odp-key", "您的 API 密钥（只显示这一次）：", data.key);
    if (data.tracking) line(out, "odp-key", "申请编号：", data.tracking);
    if (data.secret) line(out, "odp-key", "查询密码（只显示这一次，请妥善保存）：", data.secret);
    if (data.account && data.account.id !== undefined) {
      line(out, "odp-key", "账户编号：", String(data.account.id));
      document.querySelectorAll("input[name=account_id]").forEach(function (el) { el.value = data.account.id; });
    }
    var body = data.result !== undefined ? data.result : data;
    var pre = document.createElement("pre");
    pre.textContent = JSON.stringify(body, null, 2);
    out.appendChild(pre);
    out.setAttribute("tabindex", "-1");
    out.focus();
  }

  function collect(form) {
    var body = {}, headers = { "Accept": "application/json" }, endpoint = form.getAttribute("data-endpoint");
    var missing = [];
    fields(form).forEach(function (el) {
      var value = el.value.trim();
      if (el.required && !value) missing.push(el.name);
      var send = el.getAttribute("data-send");
      if (send === "bearer") { if (value) headers["Authorization"] = "Bearer " + value; }
      else if (send === "secret") { if (value) headers["X-Request-Secret"] = value; }   // a header: never in a URL
      else if (send === "path") endpoint = endpoint.replace("{" + el.name + "}", encodeURIComponent(value));
      else if (value !== "") body[el.name] = cast(el.getAttribute("data-cast"), value);
    });
    return { body: body, headers: headers, endpoint: endpoint, missing: missing };
  }

  function cast(kind, value) {
    if (kind === "int") return /^-?\d+$/.test(value) ? parseInt(value, 10) : value;
    if (kind === "list") return value.split(/[、,，;；\s]+/).filter(Boolean);
    return value;
  }

  // Double-submit CSRF token: GET /api/portal/csrf sets the cookie and returns the value to echo.
  var csrfToken = null;
  function csrf() {
    if (csrfToken) return Promise.resolve(csrfToken);
    return fetch("/api/portal/csrf", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (d) { csrfToken = d.csrf_token || ""; return csrfToken; })
      .catch(function () { return ""; });
  }

  function firstInvalid(form) {
    var el = form.querySelector("[aria-invalid=true]");
    if (el) el.focus();
  }

  function submit(form, ev) {
    ev.preventDefault();
    clearErrors(form);
    var req = collect(form);
    if (req.missing.length) {
      req.missing.forEach(function (name) { showError(form, name, MESSAGES.required); });
      summary(form, MESSAGES.failed);
      return firstInvalid(form);
    }
    var method = form.getAttribute("data-method") || "POST";
    var init = { method: method, headers: req.headers, credentials: "same-origin" };
    var url = req.endpoint;
    if (method === "GET") {
      var qs = new URLSearchParams(req.body).toString();
      if (qs) url += (url.indexOf("?") < 0 ? "?" : "&") + qs;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(req.body);
    }
    var ready = method === "GET" ? Promise.resolve() : csrf().then(function (token) {
      if (token) init.headers["X-CSRF-Token"] = token;
    });
    return ready.then(function () { return fetch(url, init); }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.ok && data.ok !== false) return showResult(form, data);
        var errors = data.errors || data.fields || {}, loose = [];
        if (resp.status === 404 && !data.error) return summary(form, MESSAGES.notFound);
        Object.keys(errors).forEach(function (name) {
          if (!showError(form, name, errors[name])) loose.push(errors[name]);
        });
        var text = data.error || data.message || (resp.status >= 500 ? MESSAGES.server : MESSAGES.failed);
        summary(form, typeof text === "string" ? text : MESSAGES.failed, loose);
        firstInvalid(form);
      });
    }).catch(function () { summary(form, MESSAGES.network); });
  }

  function toggleGroups(form) {
    var kind = form.elements["kind"];
    if (!kind) return;
    form.querySelectorAll("[data-group]").forEach(function (div) {
      var on = div.getAttribute("data-group") === kind.value;
      div.hidden = !on;
      div.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }

  // Fields a link may pre-fill (?dataset=... from a dataset page). Nothing else: a link that filled a key,
  // a mobile number or a code would let another site plant values the user then submits as their own.
  var PREFILL = ["dataset", "table", "kind", "department", "tracking"];
  function prefill(form) {
    var params = new URLSearchParams(location.search);
    fields(form).forEach(function (el) {
      var value = params.get(el.name);
      if (value && PREFILL.indexOf(el.name) >= 0 && el.type !== "password" && el.type !== "hidden") el.value = value;
    });
  }

  document.querySelectorAll("form.odp-form").forEach(function (form) {
    prefill(form);
    toggleGroups(form);
    if (form.elements["kind"]) form.elements["kind"].addEventListener("change", function () { toggleGroups(form); });
    form.addEventListener("submit", function (ev) { submit(form, ev); });
  });

  // Shared with the other form scripts (staff.js), so field errors and CSRF work one way everywhere.
  window.odpForm = { fields: fields, clearErrors: clearErrors, showError: showError, summary: summary,
                     csrf: csrf, cast: cast };
})();
