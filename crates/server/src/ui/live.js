// Firebreak live pages (D32): a page marked data-live="URL" listens to that
// server-sent event stream and, on each `changed`, fetches itself again and
// swaps in what differs. Whatever the user has typed, chosen, focused or
// opened stays as it is. Without this script the page works on reload.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) return;

  function touched(field) {
    if (field.type === "hidden") return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }

  // The user is at work inside `node`: it must not be replaced wholesale.
  function inUse(node) {
    if (node.nodeType !== 1) return false;
    var active = document.activeElement;
    if (active && active !== document.body && node.contains(active)) return true;
    if (node.matches("details[open]") || node.querySelector("details[open]")) return true;
    var fields = node.matches("input,textarea,select") ? [node] : node.querySelectorAll("input,textarea,select");
    return Array.prototype.some.call(fields, touched);
  }

  function patch(old, fresh) {
    if (old.isEqualNode(fresh)) return;
    var same = old.nodeName === fresh.nodeName && old.childNodes.length === fresh.childNodes.length;
    if (!inUse(old)) {
      old.parentNode.replaceChild(document.importNode(fresh, true), old);
    } else if (same && old.nodeType === 1 && !old.matches("input,textarea,select")) {
      for (var i = old.childNodes.length - 1; i >= 0; i--) patch(old.childNodes[i], fresh.childNodes[i]);
    }
  }

  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error("HTTP " + answer.status);
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
        if (fresh) patch(root, fresh);
        root = document.querySelector("[data-live]");
      })
      .catch(function () { /* the next change, or a reload, tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  new EventSource(root.getAttribute("data-live")).addEventListener("changed", refresh);
})();
