// The menu's 待办 count: read once per page from the to-do API (the page itself never waits on it).
(function () {
  var badge = document.getElementById("nav-todo-count");
  if (!badge || !window.fetch) return;
  fetch("/api/v1/todo", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (t) {
      if (t && t.total > 0) {
        badge.textContent = t.total > 999 ? "999+" : String(t.total);
        badge.hidden = false;
      }
    })
    .catch(function () {});
})();
