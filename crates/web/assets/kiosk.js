// The touch kiosk: the keypad types the case number, and a minute without a touch
// goes back to the start page (the meta refresh does the same without script).
(function () {
  "use strict";
  var IDLE_MS = 60000;
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
