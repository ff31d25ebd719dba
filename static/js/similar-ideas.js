// While a customer types a new idea, list ideas already on the board that look alike, so they
// can vote for one instead of posting a duplicate. Without JavaScript the form works the same.
(function () {
  "use strict";
  var list = document.getElementById("similar-ideas");
  var form = document.getElementById("idea-form");
  var forms = document.getElementById("similar-forms"); // outside the idea form: forms cannot nest
  if (!list || !form || !forms || !window.fetch) return;
  var title = form.querySelector("[name=title]");
  var description = form.querySelector("[name=description]");
  var token = form.querySelector("[name=csrf_token]");
  var timer = null;
  var last = null;
  var pending = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // text only: titles are typed by people
    return node;
  }

  // A hidden vote form outside the idea form, and a button inside the list that submits it.
  function voteButton(idea) {
    var f = el("form");
    f.method = "post";
    f.action = idea.vote_url;
    f.id = "vote-" + idea.id;
    var csrf = el("input");
    csrf.type = "hidden";
    csrf.name = "csrf_token";
    csrf.value = token ? token.value : "";
    var next = el("input");
    next.type = "hidden";
    next.name = "next";
    next.value = idea.url;
    f.append(csrf, next);
    forms.append(f);
    var button = el("button", "btn btn-sm btn-outline-primary", list.dataset.voteLabel);
    button.type = "submit";
    button.setAttribute("form", f.id);
    return button;
  }

  function show(ideas) {
    list.replaceChildren();
    forms.replaceChildren();
    ideas.forEach(function (idea) {
      var item = el("li", "border-top py-2");
      var link = el("a", "fw-semibold", idea.title);
      link.href = idea.url;
      link.dir = "auto";
      var meta = el("div", "small text-secondary", idea.status + " · " + idea.votes_label);
      var actions = el("div", "d-flex flex-wrap gap-2 mt-1 align-items-center");
      if (idea.voted) {
        actions.append(el("span", "small text-success", list.dataset.votedLabel));
      } else if (!idea.locked) {
        actions.append(voteButton(idea));
      }
      var open = el("a", "btn btn-sm btn-link", list.dataset.openLabel);
      open.href = idea.url;
      actions.append(open);
      item.append(link, meta, actions);
      list.append(item);
    });
  }

  function lookUp() {
    var text = (title.value + " " + description.value).trim();
    if (text === last) return;
    last = text;
    if (text.length < 3) {
      show([]);
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    var url = list.dataset.url + "?q=" + encodeURIComponent(text.slice(0, 1000));
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (ideas) { if (ideas) show(ideas); })
      .catch(function () { /* offline or aborted: keep what is shown */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 350); // one request per pause in typing, not per key
  }

  title.addEventListener("input", later);
  description.addEventListener("input", later);
  if (title.value && !list.children.length) lookUp();
})();
