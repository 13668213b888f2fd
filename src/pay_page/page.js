(function () {
  "use strict";
  var root = document.getElementById("pay");
  if (!root) { return; }
  var status = root.getAttribute("data-status");
  var statusUrl = root.getAttribute("data-status-url");
  var deadline = Date.now() + Number(root.getAttribute("data-seconds-left")) * 1000;
  var clock = document.getElementById("countdown");
  var timers = [];

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function text(s) {
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
    return (h > 0 ? h + ":" : "") + two(m) + ":" + two(x);
  }

  // Shows the parts of the page meant for this status, hides the others: no reload.
  function show(next) {
    if (!next || next === status) { return; }
    status = next;
    root.setAttribute("data-status", next);
    var parts = document.querySelectorAll("[data-show]");
    for (var i = 0; i < parts.length; i++) {
      parts[i].hidden = parts[i].getAttribute("data-show").split(" ").indexOf(next) < 0;
    }
    if (next !== "pending") {
      for (var j = 0; j < timers.length; j++) { clearInterval(timers[j]); }
    }
  }

  function apply(s) {
    if (!s || typeof s.status !== "string") { return; }
    if (s.status === "pending" && typeof s.seconds_left === "number") {
      deadline = Date.now() + s.seconds_left * 1000;
    }
    show(s.status);
  }

  function poll() {
    if (status !== "pending") { return; }
    fetch(statusUrl, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(apply)
      .catch(function () {});
  }

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (clock) { clock.textContent = text(left); }
    if (left === 0) { poll(); }
  }

  // Copy buttons: hidden without JavaScript (the numbers are selectable text then).
  var buttons = document.querySelectorAll("button[data-copy]");
  for (var k = 0; k < buttons.length; k++) {
    (function (b) {
      var label = b.textContent;
      var only = b.getAttribute("data-show");
      b.hidden = only !== null && only.split(" ").indexOf(status) < 0;
      b.addEventListener("click", function () {
        var value = b.getAttribute("data-copy");
        var done = function () {
          b.textContent = b.getAttribute("data-done");
          b.className = "copy done";
          setTimeout(function () { b.textContent = label; b.className = "copy"; }, 2000);
        };
        var fallback = function () {
          var t = document.createElement("textarea");
          t.value = value;
          t.setAttribute("readonly", "");
          t.className = "offscreen";
          document.body.appendChild(t);
          t.select();
          try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selectable text remains */ }
          document.body.removeChild(t);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value).then(done, fallback);
        } else {
          fallback();
        }
      });
    })(buttons[k]);
  }

  // The sandbox button (demo servers only) pays in place; without JavaScript the form posts.
  var sandbox = document.getElementById("sandbox");
  if (sandbox) {
    sandbox.addEventListener("submit", function (e) {
      e.preventDefault();
      fetch(sandbox.getAttribute("action"), { method: "POST", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(apply)
        .catch(function () {});
    });
  }

  if (status === "pending") {
    timers.push(setInterval(tick, 1000));
    timers.push(setInterval(poll, 3000));
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
    tick();
  }
})();
