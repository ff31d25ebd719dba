// Rows marked .row-link[data-href] open their page when clicked anywhere, except on the
// controls inside them (checkboxes, links, buttons), which keep their own behaviour.
document.addEventListener("click", function (event) {
  var row = event.target.closest(".row-link[data-href]");
  if (!row || event.target.closest("a, button, input, label, select, textarea")) return;
  // A click beside a row's checkbox (its cell is small) ticks it rather than leaving the page.
  var cell = event.target.closest("td");
  var box = cell && cell.querySelector("input[type=checkbox]");
  if (box) { box.click(); return; }
  if (window.getSelection && String(window.getSelection())) return; // selecting text, not opening
  window.location.assign(row.getAttribute("data-href"));
});
