// Long actions: a form with data-busy="…" says so on its button when sent, and is not sent twice.
(function () {
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var busy = form.getAttribute && form.getAttribute("data-busy");
    if (!busy) return;
    var button = form.querySelector("button[type=submit]");
    if (button) {
      if (button.disabled) { e.preventDefault(); return; }
      button.textContent = busy;
      // Disabled after the submit event, so the button's own value is still sent.
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
})();

// A button with data-print prints the page (a bulletin); inline handlers are barred by the CSP.
(function () {
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[data-print]");
    if (b) window.print();
  });
})();
