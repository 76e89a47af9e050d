/* Material's after-content script (check the tab a #hash names), moved to a file: no inline scripts. */
(function () {
  var target = document.getElementById(location.hash.slice(1));
  if (target && target.name) target.checked = target.name.startsWith("__tabbed_");
})();
