/* The "朗读" (read aloud) button of care mode: speaks the main content with the browser's own speech
   synthesis, nothing sent anywhere. The button stays hidden where the browser cannot speak. */
(function () {
  "use strict";
  var button = document.getElementById("read-aloud");
  if (!button || !window.speechSynthesis || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }
  var label = button.querySelector(".label");
  var readLabel = label.textContent;
  var stopLabel = button.getAttribute("data-label-stop");

  function mainText() {
    var main = document.getElementById("main");
    var parts = [];
    Array.prototype.forEach.call(main.children, function (child) {
      if (!child.hasAttribute("data-read-skip")) {
        parts.push(child.innerText);
      }
    });
    return parts.join("\n").replace(/\s+\n/g, "\n").trim();
  }

  function showIdle() {
    label.textContent = readLabel;
  }

  button.addEventListener("click", function () {
    var synth = window.speechSynthesis;
    if (synth.speaking || synth.pending) {
      synth.cancel();
      showIdle();
      return;
    }
    var utterance = new window.SpeechSynthesisUtterance(mainText());
    var lang = document.documentElement.lang || "zh-CN";
    utterance.lang = lang.toLowerCase() === "zh-hans" ? "zh-CN" : lang;
    utterance.rate = 0.9;  // a little slower than usual, for old ears
    utterance.onend = showIdle;
    utterance.onerror = showIdle;
    label.textContent = stopLabel;
    synth.speak(utterance);
  });
  window.addEventListener("pagehide", function () { window.speechSynthesis.cancel(); });
  button.hidden = false;
}());
