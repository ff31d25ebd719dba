// The "Copy" button beside a newly made API token: puts the token on the clipboard and says so
// (its status line is read out by screen readers). Falls back to selecting the text where the
// Clipboard API is unavailable (plain HTTP), so the person can copy it by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy-target]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy-target"));
  var status = document.getElementById(button.getAttribute("data-copy-status"));
  if (!field) return;
  function say(text) { if (status) status.textContent = text; }
  field.focus();
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(
      function () { say(button.getAttribute("data-copied")); },
      function () { say(button.getAttribute("data-copy-failed")); }
    );
  } else {
    say(document.execCommand && document.execCommand("copy")
      ? button.getAttribute("data-copied") : button.getAttribute("data-copy-failed"));
  }
});
