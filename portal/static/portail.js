// Portail Famille: the only script of the pages, and optional (every form works without it).
// A link received by e-mail carries its code in the fragment (#jeton=…), never sent to the
// server: copy it into the form's code field, hide that field, and clean the address bar.
(function () {
  "use strict";
  // A form sent back with errors: the summary takes the focus (it is read first).
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  var match = /(?:^#|&)jeton=([A-Za-z0-9_\-]+)/.exec(window.location.hash);
  if (!match) { return; }
  var input = document.querySelector("[data-jeton] input[name=token]");
  if (!input) { return; }
  input.value = match[1];
  var box = input.closest("[data-jeton]");
  if (box && !box.querySelector(".error")) { box.hidden = true; }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
