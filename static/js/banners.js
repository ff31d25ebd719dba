// Banners marked [data-dismiss-key] can be hidden: their close button ([data-dismiss]) comes
// hidden and is shown here, so without this script (or without storage) a banner just stays.
// A hidden banner stays hidden on every page for as long as its key is the same (a notice's key
// changes with each update or edit); data-dismiss-scope="session" forgets it when the browser
// session ends. Loaded right after the banners, so a banner hidden before never flashes.
(function () {
  var NAME = "kontento.dismissed";
  function storage(scope) {
    try { return scope === "session" ? window.sessionStorage : window.localStorage; } catch (e) { return null; }
  }
  function hidden(scope) {
    try { return JSON.parse(storage(scope).getItem(NAME)) || []; } catch (e) { return []; }
  }
  function remember(scope, key) {
    var keys = hidden(scope).filter(function (k) { return k !== key; }).concat([key]);
    try { storage(scope).setItem(NAME, JSON.stringify(keys.slice(-50))); } catch (e) { /* this page only */ }
  }
  function hide(banner) {
    banner.hidden = true;
    var group = banner.closest("[data-banners]");
    if (group && !group.querySelector("[data-dismiss-key]:not([hidden])")) group.hidden = true;
  }
  document.querySelectorAll("[data-dismiss-key]").forEach(function (banner) {
    var key = banner.getAttribute("data-dismiss-key"), scope = banner.getAttribute("data-dismiss-scope");
    var button = banner.querySelector("[data-dismiss]");
    if (hidden(scope).indexOf(key) !== -1) return hide(banner);
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      remember(scope, key);
      hide(banner);
      // Keyboard users go on from the next banner's button, or from the page's content.
      var next = document.querySelector("[data-dismiss-key]:not([hidden]) [data-dismiss]:not([hidden])");
      var main = document.getElementById("main");
      if (next) return next.focus();
      main.setAttribute("tabindex", "-1");
      main.focus();
    });
  });
})();
