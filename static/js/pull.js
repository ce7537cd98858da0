// The slot machine: spinning reels while a pull grinds, confetti and an optional sound
// when a result is revealed. Progress itself comes from the server (htmx polling).
(function () {
  "use strict";
  const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const SOUND_KEY = "vanikeys.sound";

  function spinReels() {
    document.querySelectorAll(".slot .reel").forEach(function (reel) {
      reel.textContent = ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
    });
  }
  setInterval(spinReels, 80);

  function soundOn() {
    return window.localStorage && localStorage.getItem(SOUND_KEY) === "1";
  }

  function chime(jackpot) {
    if (!soundOn() || !window.AudioContext) return;
    const ctx = new AudioContext();
    const notes = jackpot ? [523, 659, 784, 1047] : [440, 554];
    notes.forEach(function (freq, i) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, ctx.currentTime + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.12 + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.12);
      osc.stop(ctx.currentTime + i * 0.12 + 0.3);
    });
  }

  function confetti() {
    const colors = ["#ffcc4d", "#7c5cff", "#3ddc97", "#ff6b6b", "#4dc3ff"];
    for (let i = 0; i < 120; i++) {
      const piece = document.createElement("div");
      piece.className = "confetti";
      piece.style.left = Math.random() * 100 + "vw";
      piece.style.background = colors[i % colors.length];
      piece.style.animationDelay = Math.random() * 0.8 + "s";
      document.body.appendChild(piece);
      setTimeout(function () { piece.remove(); }, 4000);
    }
  }

  function celebrate(root) {
    root.querySelectorAll("[data-testid=pull-result]:not([data-celebrated])").forEach(function (result) {
      result.setAttribute("data-celebrated", "1");
      const jackpot = result.dataset.jackpot === "1";
      if (jackpot) confetti();
      if (result.dataset.status === "done") chime(jackpot);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const toggle = document.getElementById("sound-toggle");
    if (toggle) {
      toggle.checked = soundOn();
      toggle.addEventListener("change", function () {
        localStorage.setItem(SOUND_KEY, toggle.checked ? "1" : "0");
      });
    }
    celebrate(document);
  });
  document.body.addEventListener("htmx:afterSwap", function (event) { celebrate(event.target.parentNode || document); });
})();
