// A time zone field (input[list=timezones]) on a fresh form starts at the browser's own zone,
// when it still holds the default (UTC) and the zone is one the list offers.
(function () {
  if (!window.Intl || !Intl.DateTimeFormat) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  var offered = document.querySelector('#timezones option[value="' + zone.replace(/"/g, "") + '"]');
  if (!offered) return;
  document.querySelectorAll("input[list=timezones]").forEach(function (input) {
    var form = input.form;
    if (form && form.getAttribute("data-fresh") === "true" && (!input.value || input.value === "UTC")) {
      input.value = zone;
    }
  });
})();
