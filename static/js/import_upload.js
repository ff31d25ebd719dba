// Subscription import: upload with a progress bar, then open the import's page (where the
// server's progress shows); a refused upload (the form again, with its error) replaces this page.
(function () {
  var form = document.getElementById("import-form");
  if (!form || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    if (!form.file.value) { return; }
    event.preventDefault();
    var box = document.getElementById("import-progress"), bar = box.firstElementChild;
    var status = document.getElementById("import-status");
    box.classList.remove("d-none"); status.classList.remove("d-none");
    status.textContent = status.dataset.uploading;
    form.querySelector("button[type=submit]").disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      var pct = Math.round(100 * e.loaded / e.total);
      bar.style.width = pct + "%"; box.setAttribute("aria-valuenow", pct);
    };
    xhr.upload.onload = function () {
      bar.style.width = "100%";
      bar.classList.add("progress-bar-striped", "progress-bar-animated");
      status.textContent = status.dataset.stored;
    };
    xhr.onload = function () {
      if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.onerror = function () { status.textContent = status.dataset.failed; };
    xhr.send(new FormData(form));
  });
})();
