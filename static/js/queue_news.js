// The open queue page asks every data-every seconds (30) what came in since it was made: a
// count with a link to refresh, and each new critical case announced (role="alert": screen
// readers read it out) with a link to it. A hidden tab waits until it is looked at again. Every
// text comes from the server in the viewer's language and goes in as text, never as markup.
(function () {
  var box = document.getElementById("queue-news");
  var alerts = document.getElementById("queue-critical");
  if (!box || !alerts || !window.fetch) return;
  var address = new URL(box.getAttribute("data-url"), window.location.href); // may carry ?team=
  address.searchParams.set("since", box.getAttribute("data-since"));
  var url = address.toString();
  var every = (parseInt(box.getAttribute("data-every"), 10) || 30) * 1000;
  var message = box.querySelector("[data-message]");
  var told = {};
  function show(data) {
    if (data.new) {
      message.textContent = data.message;
      box.hidden = false;
    }
    (data.critical || []).forEach(function (c) {
      if (told[c.reference]) return;
      told[c.reference] = true;
      var line = document.createElement("div");
      var link = document.createElement("a");
      link.className = "alert-link";
      link.href = c.url;
      link.textContent = c.text;
      line.appendChild(link);
      alerts.appendChild(line);
      alerts.hidden = false;
    });
  }
  function poll() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok && r.headers.get("Content-Type").indexOf("json") !== -1 ? r.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () { /* offline or signed out: the next poll tries again */ });
  }
  setInterval(poll, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
})();
