// Settings > Brand: the colour picker and the typed colour follow each other. The typed field is
// what gets saved (and checked for contrast); the picker only helps choose.
(function () {
  "use strict";
  document.querySelectorAll("[data-brand-color-for]").forEach(function (picker) {
    var field = document.getElementById(picker.getAttribute("data-brand-color-for"));
    if (!field) { return; }
    picker.addEventListener("input", function () { field.value = picker.value; });
    field.addEventListener("input", function () {
      var value = field.value.trim().toLowerCase();
      if (/^#[0-9a-f]{6}$/.test(value)) { picker.value = value; }
    });
  });
})();
