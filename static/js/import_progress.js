// An import's page while the worker runs: ask the server how far it is, redraw the bar, and
// show the outcome once it ends. The bar's width is set here (CSSOM), never in a style
// attribute, which the Content-Security-Policy refuses.
(function () {
  var box = document.getElementById("import-run");
  if (!box) { return; }
  var bar = box.querySelector(".progress"), fill = bar.firstElementChild;
  fill.style.width = fill.dataset.percent + "%";
  if (!window.fetch) { return; }
  var message = document.getElementById("import-message");
  var badge = document.getElementById(box.dataset.badge);
  function poll() {
    fetch(box.dataset.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        fill.style.width = state.percent + "%"; fill.textContent = state.percent + " %";
        bar.setAttribute("aria-valuenow", state.percent);
        if (message.textContent !== state.message) { message.textContent = state.message; }
        badge.textContent = state.label; badge.className = "badge " + state.badge;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
