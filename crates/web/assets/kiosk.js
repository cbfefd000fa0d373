// The touch kiosk: the keypad types the case number's date and sequence (the
// hyphen put in for the reader), then the verification code; and a while without a touch
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
  var number = document.getElementById("case-number");
  var code = document.getElementById("case-code");
  if (!number || !code) { return; }
  // The number after the unit's code: an 8-digit date, a hyphen, a 6-digit sequence.
  var DATE = 8, NUMBER = 14, CODE = 6;
  function digits(input) { return input.value.replace(/[^0-9]/g, ""); }
  function show(input, typed) {
    input.value = input === number && typed.length > DATE ? typed.slice(0, DATE) + "-" + typed.slice(DATE) : typed;
  }
  // The field the keys type into: the one last touched, the number first.
  var target = number;
  function aim(input) {
    target = input;
    number.classList.toggle("kiosk-target", input === number);
    code.classList.toggle("kiosk-target", input === code);
    input.focus({ preventScroll: true });
  }
  [number, code].forEach(function (input) {
    // The keypad types; no on-screen keyboard over it.
    input.setAttribute("inputmode", "none");
    input.addEventListener("focus", function () { aim(input); });
  });
  // A key keeps the field focused, so the caret stays where the digits go.
  keypad.addEventListener("mousedown", function (event) {
    if (event.target.getAttribute && event.target.getAttribute("data-key")) { event.preventDefault(); }
  });
  keypad.addEventListener("click", function (event) {
    var key = event.target.getAttribute && event.target.getAttribute("data-key");
    if (!key) { return; }
    var typed = digits(target);
    var max = target === number ? NUMBER : CODE;
    if (key === "clear") {
      typed = "";
    } else if (key === "back") {
      if (!typed && target === code) { aim(number); return; }
      typed = typed.slice(0, -1);
    } else if (typed.length < max) {
      typed += key;
    }
    show(target, typed);
    if (target === number && typed.length === NUMBER) { aim(code); }
  });
  aim(digits(number).length === NUMBER && digits(code).length < CODE ? code : number);
})();
