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

  function key(node) {
    return node.nodeType === 1 ? node.id || node.getAttribute("aria-label") || node.getAttribute("action") : null;
  }

  // Makes `old` look like `fresh`, never replacing or moving a node in use.
  function patch(old, fresh) {
    if (old.isEqualNode(fresh)) return;
    if (!inUse(old)) {
      old.parentNode.replaceChild(document.importNode(fresh, true), old);
      return;
    }
    if (old.nodeType !== 1 || old.matches("input,textarea,select") || old.nodeName !== fresh.nodeName) return;
    var olds = Array.prototype.slice.call(old.childNodes);
    var freshes = Array.prototype.slice.call(fresh.childNodes);
    if (olds.length === freshes.length) {
      for (var i = olds.length - 1; i >= 0; i--) patch(olds[i], freshes[i]);
      return;
    }
    // Children came or went: keep those in use where a fresh child has their
    // key, take the rest fresh, and leave the kept ones where they are.
    var kept = {};
    olds.forEach(function (c) { var k = key(c); if (k && inUse(c)) kept[k] = c; });
    var next = freshes.map(function (f) {
      var o = key(f) && kept[key(f)];
      if (o) { patch(o, f); return o; }
      return document.importNode(f, true);
    });
    olds.forEach(function (c) { if (next.indexOf(c) < 0) old.removeChild(c); });
    var cursor = old.firstChild;
    next.forEach(function (n) {
      if (n === cursor) cursor = cursor.nextSibling;
      else old.insertBefore(n, cursor);
    });
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

// Keyboard shortcuts of the incident page, each named on the page by an
// element's aria-keyshortcuts: "n" focuses the timeline entry box; "g" then
// a letter goes to the part of the page whose link says so. Keys typed into
// a field, or with a modifier, are left alone.
(function () {
  "use strict";
  var pending = null, timer = null;
  function shortcut(keys) {
    return document.querySelector('[aria-keyshortcuts="' + keys + '"]');
  }
  function go(element) {
    var target = element;
    var href = element.getAttribute("href");
    if (href && href.charAt(0) === "#") target = document.getElementById(href.slice(1));
    if (!target) return;
    // A part inside a closed fold opens where it is.
    for (var fold = target.closest("details"); fold; fold = fold.parentElement.closest("details")) fold.open = true;
    if (!target.matches("a,button,input,textarea,select")) target.setAttribute("tabindex", "-1");
    target.focus();
    target.scrollIntoView({ block: "start" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest && event.target.closest("input,textarea,select,[contenteditable]")) return;
    if (!/^[a-z]$/.test(event.key)) { pending = null; return; }
    var keys = pending ? pending + " " + event.key : event.key;
    pending = null;
    clearTimeout(timer);
    var found = shortcut(keys);
    if (found) {
      event.preventDefault();
      go(found);
    } else if (keys.length === 1 && document.querySelector('[aria-keyshortcuts^="' + keys + ' "]')) {
      event.preventDefault();
      pending = keys;
      timer = setTimeout(function () { pending = null; }, 1500);
    }
  });
})();
