// The queue's bulk bar (templates/followups/_bulk_bar.html): "select all on this page", how many
// cases are ticked, and its buttons off until one is. Without this file the bar still works:
// the server answers "Select at least one case." to an empty selection.
(function () {
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = document.getElementById("bulk-all");
  var count = form.querySelector("[data-bulk-count]");
  var buttons = form.querySelectorAll("button[name=action]");
  function boxes() {
    return document.querySelectorAll('input[type=checkbox][name=case][form="bulk-form"]');
  }
  function update() {
    var list = boxes(), ticked = 0;
    for (var i = 0; i < list.length; i++) if (list[i].checked) ticked++;
    all.checked = ticked > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
    count.textContent = ticked
      ? count.getAttribute("data-some").replace("{n}", String(ticked))
      : count.getAttribute("data-none");
    for (var j = 0; j < buttons.length; j++) buttons[j].disabled = ticked === 0;
  }
  form.querySelector("[data-bulk-all]").hidden = false;
  all.addEventListener("change", function () {
    var list = boxes();
    for (var i = 0; i < list.length; i++) list[i].checked = all.checked;
    update();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('input[name=case][form="bulk-form"]')) update();
  });
  update(); // a page restored from the back/forward cache keeps its ticks
})();
