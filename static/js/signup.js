// Sign-up: default the time zone to the browser's, unless the customer already chose one.
(function () {
  var tz = document.getElementById("timezone");
  if (tz && (!tz.value || tz.value === "UTC") && window.Intl) {
    tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }
})();
