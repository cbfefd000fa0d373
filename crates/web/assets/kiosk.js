// The touch kiosk: the keypad types the case number, and a while without a touch
// (the body's data-idle, in seconds; a minute by default) goes back to the start
// page. Without script, the meta refresh in <noscript> does the same (with script
// it would also fire on a page someone is still touching).
(function () {
  "use strict";
  var body = document.getElementById("kiosk");
  var IDLE_MS = Math.max(1, parseInt(body && body.getAttribute("data-idle"), 10) || 60) * 1000;
  var timer = null;
  function idle() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { window.location.assign("/kiosk"); }, IDLE_MS);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, idle, { passive: true });
  });
  idle();

  var keypad = document.getElementById("keypad");
  if (!keypad) { return; }
  var input = document.getElementById("case-number");
  keypad.addEventListener("click", function (event) {
    var key = event.target.getAttribute && event.target.getAttribute("data-key");
    if (!key || !input) { return; }
    if (key === "clear") {
      input.value = "";
    } else if (key === "back") {
      input.value = input.value.slice(0, -1);
    } else if (input.value.length < 30) {
      input.value += key;
    }
  });
})();
