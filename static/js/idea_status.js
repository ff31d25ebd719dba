// The status form asks for a reason only when declining and for the changelog text only when
// done; without JavaScript both fields simply stay visible.
document.querySelectorAll("[data-status-select] select").forEach(function (select) {
  var form = select.form;
  function update() {
    form.querySelectorAll("[data-show-for]").forEach(function (box) {
      box.hidden = box.getAttribute("data-show-for") !== select.value;
    });
  }
  select.addEventListener("change", update);
  update();
});
