/* Catalogue filters: run over catalog/index.json in the browser (no server round trip). */
(function () {
  "use strict";
  var form = document.getElementById("odp-filters");
  var list = document.getElementById("odp-list");
  if (!form || !list) return;
  var count = document.getElementById("odp-count");
  var items = {};
  Array.prototype.forEach.call(list.children, function (li) { items[li.getAttribute("data-id")] = li; });
  var keys = ["q", "department", "theme", "open_type", "format", "frequency", "sort"];
  var sorts = {
    updated: function (a, b) { return cmp(b.updated, a.updated) || cmp(a.id, b.id); },
    published: function (a, b) { return cmp(b.published || "", a.published || "") || cmp(a.id, b.id); },
    title: function (a, b) { return a.title.localeCompare(b.title, "zh-CN"); },
    rows: function (a, b) { return (b.rows - a.rows) || cmp(a.id, b.id); }
  };
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function matches(d, f) {
    if (f.department && d.department !== f.department) return false;
    if (f.theme && d.themes.indexOf(f.theme) < 0) return false;
    if (f.open_type && d.open_type !== f.open_type) return false;
    if (f.format && d.formats.indexOf(f.format) < 0) return false;
    if (f.frequency && d.frequency !== f.frequency) return false;
    if (f.q) {
      var words = f.q.trim().toLowerCase().split(/\s+/);
      var text = d.text.toLowerCase();
      for (var i = 0; i < words.length; i++) if (text.indexOf(words[i]) < 0) return false;
    }
    return true;
  }

  function current() {
    var f = {};
    keys.forEach(function (k) { f[k] = form.elements[k].value; });
    return f;
  }

  function apply(index) {
    var f = current();
    var shown = index.filter(function (d) { return matches(d, f); }).sort(sorts[f.sort] || sorts.updated);
    var visible = {};
    shown.forEach(function (d) { visible[d.id] = true; if (items[d.id]) list.appendChild(items[d.id]); });
    Object.keys(items).forEach(function (id) { items[id].hidden = !visible[id]; });
    count.textContent = shown.length === index.length ? "共 " + index.length + " 个数据集"
      : "找到 " + shown.length + " 个数据集（共 " + index.length + " 个）";
    var params = new URLSearchParams();
    keys.forEach(function (k) { if (f[k] && !(k === "sort" && f[k] === "updated")) params.set(k, f[k]); });
    var qs = params.toString();
    history.replaceState(null, "", qs ? "?" + qs : location.pathname);
  }

  fetch(list.getAttribute("data-index"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (index) {
      var params = new URLSearchParams(location.search);
      keys.forEach(function (k) { if (params.get(k)) form.elements[k].value = params.get(k); });
      form.hidden = false;
      form.addEventListener("input", function () { apply(index); });
      form.addEventListener("change", function () { apply(index); });
      form.addEventListener("submit", function (ev) { ev.preventDefault(); apply(index); });
      form.addEventListener("reset", function () { setTimeout(function () { apply(index); }, 0); });
      apply(index);
    })
    .catch(function () { /* without the index the full list stays visible */ });
})();

/* Citations: the retrieval date is the reader's today, not the build date. */
(function () {
  var today = new Date();
  var iso = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") + "-" +
    String(today.getDate()).padStart(2, "0");
  document.querySelectorAll("[data-retrieved]").forEach(function (el) {
    el.textContent = el.textContent.replace("获取日期 " + el.getAttribute("data-retrieved"), "获取日期 " + iso);
    el.setAttribute("data-retrieved", iso);
  });
})();
