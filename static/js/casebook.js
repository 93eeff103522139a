// Casebook's own script: only what HTMX does not do by itself. Every page works without it.
(function () {
  "use strict";

  // A request HTMX could not complete leaves the form as it was, with everything typed in it;
  // say so beside the form instead of failing silently.
  function say(target, text) {
    if (!target) return;
    var note = document.createElement("p");
    note.className = "message message--error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    var previous = target.parentNode && target.parentNode.querySelector(":scope > .htmx-failure");
    if (previous) previous.remove();
    note.classList.add("htmx-failure");
    target.insertAdjacentElement("beforebegin", note);
  }

  function message(name) {
    var holder = document.querySelector("meta[name='casebook-messages']");
    return (holder && holder.dataset[name]) || "";
  }

  document.addEventListener("htmx:sendError", function (event) {
    say(event.detail.target, message("sendError"));
  });
  document.addEventListener("htmx:responseError", function (event) {
    say(event.detail.target, message("responseError"));
  });
})();
