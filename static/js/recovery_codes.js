// The recovery codes page: copy the codes, or save them as a text file. Without JavaScript the
// buttons stay hidden and the codes can still be selected and copied by hand.
(function () {
  var actions = document.getElementById("recovery-actions");
  var list = document.getElementById("recovery-codes");
  if (!actions || !list) return;
  var codes = Array.prototype.map.call(list.querySelectorAll("li"), function (li) {
    return li.textContent.trim();
  });
  var text = actions.getAttribute("data-heading") + "\n\n" + codes.join("\n") + "\n";
  actions.classList.remove("d-none");

  var copy = document.getElementById("recovery-copy");
  if (navigator.clipboard && window.isSecureContext) {
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(text).then(function () {
        copy.textContent = actions.getAttribute("data-copied");
      });
    });
  } else {
    copy.classList.add("d-none"); // the clipboard API needs HTTPS (or localhost)
  }

  document.getElementById("recovery-download").addEventListener("click", function () {
    var url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = actions.getAttribute("data-filename");
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });
})();
