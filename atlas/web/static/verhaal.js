/* The map story (/verhaal/<code>): with a script, one step at a time. Without it every step stays on the page and
   the "vorige" and "volgende" links jump between them; printing always shows every step (verhaal.css). */
(function () {
  "use strict";
  var root = document.getElementById("verhaal");
  if (!root || !window.history || !history.replaceState) { return; }
  var steps = Array.prototype.slice.call(root.querySelectorAll("section.stap"));
  var tabs = Array.prototype.slice.call(root.querySelectorAll(".verhaal-stappen a"));
  if (!steps.length) { return; }
  var current = -1;

  function indexOf(hash) {
    var found = /^#stap-([1-9][0-9]?)$/.exec(hash || "");
    var i = found ? parseInt(found[1], 10) - 1 : -1;
    return i < steps.length ? i : -1;
  }

  function show(i, focus) {
    current = i;
    steps.forEach(function (step, j) { step.hidden = j !== i; });
    tabs.forEach(function (tab, j) {
      if (j === i) { tab.setAttribute("aria-current", "step"); } else { tab.removeAttribute("aria-current"); }
    });
    if (!focus) { return; }  // the first step on arrival: the address stays as it is, the page at its top
    var hash = "#stap-" + (i + 1);
    if (window.location.hash !== hash) { history.replaceState(null, "", hash); }
    var heading = steps[i].querySelector("h2");
    steps[i].scrollIntoView({block: "start"});
    if (heading) { heading.focus({preventScroll: true}); }
  }

  root.classList.add("js-verhaal");
  root.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#stap-']") : null;
    var i = link ? indexOf(link.getAttribute("href")) : -1;
    if (i < 0) { return; }
    event.preventDefault();
    show(i, true);
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) { return; }
    var target = event.target;
    if (target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable)) { return; }
    if (event.key === "ArrowRight" && current < steps.length - 1) {
      event.preventDefault();
      show(current + 1, true);
    } else if (event.key === "ArrowLeft" && current > 0) {
      event.preventDefault();
      show(current - 1, true);
    }
  });
  window.addEventListener("hashchange", function () {
    var i = indexOf(window.location.hash);
    if (i >= 0 && i !== current) { show(i, true); }
  });
  var start = indexOf(window.location.hash);
  show(start < 0 ? 0 : start, start >= 0);
})();
