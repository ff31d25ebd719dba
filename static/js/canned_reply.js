// The canned-reply picker on a case page: "Use" puts the picked reply (already filled in for
// the case) into the reply box at the cursor, keeping what was typed, instead of reloading the
// page. Without JavaScript the picker reloads the page with the reply in an empty box.
document.addEventListener("submit", function (event) {
  var picker = event.target;
  var targetId = picker.getAttribute && picker.getAttribute("data-canned-into");
  if (!targetId) return;
  var box = document.getElementById(targetId);
  var option = picker.querySelector("select option:checked");
  if (!box || !option || !option.value) return;
  event.preventDefault();
  var text = option.getAttribute("data-text") || "";
  var start = box.selectionStart, end = box.selectionEnd;
  if (typeof start === "number" && box.value) {
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
  } else {
    box.value = text;
  }
  box.focus();
});
