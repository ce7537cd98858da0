// The slot machine: spinning reels while a pull grinds; the feedback kept in view (the
// machine when a pull starts, the result when it lands); a celebration only for a pull
// seen landing live on this page, once. Progress itself comes from the server (htmx
// polling); without JavaScript the page refreshes itself instead.
(function () {
  "use strict";
  const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const SOUND_KEY = "vanikeys.sound";
  const CELEBRATED_KEY = "vanikeys.celebrated";
  const REDUCED_MOTION = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // Pulls this page has seen grinding: only their landing is live (never a revisit, a
  // reload of a finished pull, or a Keep / Share / Erase that re-renders a result).
  const seenGrinding = new Set();

  function spinReels() {
    document.querySelectorAll(".slot .reel").forEach(function (reel) {
      reel.textContent = ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
    });
  }
  setInterval(spinReels, REDUCED_MOTION ? 400 : 80);

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function celebrated() {
    const store = storage();
    try { return new Set(JSON.parse((store && store.getItem(CELEBRATED_KEY)) || "[]")); } catch (e) { return new Set(); }
  }

  function remember(ids) {
    const store = storage();
    if (!store) return;
    const all = Array.from(celebrated()).concat(ids).slice(-300);
    try { store.setItem(CELEBRATED_KEY, JSON.stringify(all)); } catch (e) { /* full or disabled: forget */ }
  }

  function soundOn() {
    try { return window.localStorage && localStorage.getItem(SOUND_KEY) === "1"; } catch (e) { return false; }
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
    if (REDUCED_MOTION) return;
    const colors = ["#ffcc4d", "#7c5cff", "#3ddc97", "#ff6b6b", "#4dc3ff"];
    for (let i = 0; i < 120; i++) {
      const piece = document.createElement("div");
      piece.className = "confetti";
      piece.setAttribute("data-testid", "confetti");
      piece.style.left = Math.random() * 100 + "vw";
      piece.style.background = colors[i % colors.length];
      piece.style.animationDelay = Math.random() * 0.8 + "s";
      document.body.appendChild(piece);
      setTimeout(function () { piece.remove(); }, 4000);
    }
  }

  // Bring an element into view unless it is already wholly there (its CSS scroll-margin
  // keeps it clear of the top edge).
  function reveal(element) {
    if (!element) return;
    const box = element.getBoundingClientRect();
    const fits = box.height <= window.innerHeight;
    if (box.top >= 0 && (fits ? box.bottom <= window.innerHeight : box.top < window.innerHeight * 0.25)) return;
    element.scrollIntoView({ block: "start", behavior: REDUCED_MOTION ? "auto" : "smooth" });
  }

  function update(startedNow) {
    const panel = document.getElementById("pull-panel");
    if (startedNow) {
      const area = document.getElementById("pull-area");
      reveal(panel || (area && area.firstElementChild));  // the machine, or a refusal
    }
    if (!panel) return;
    const batch = panel.classList.contains("batch");
    panel.querySelectorAll("[data-pull-id][data-state]").forEach(function (pending) {
      seenGrinding.add(pending.dataset.pullId);
    });
    // A 10× pull lands once, when its last tile has: then the "best of" summary shows.
    if (batch && panel.dataset.polling !== "0") return;

    const done = celebrated();
    const landed = [];
    panel.querySelectorAll("[data-testid=pull-result]").forEach(function (result) {
      const id = result.dataset.pullId;
      if (seenGrinding.has(id) && !done.has(id)) landed.push(result);
    });
    if (!landed.length) return;
    remember(landed.map(function (r) { return r.dataset.pullId; }));
    landed.forEach(function (result) { result.classList.add("landed"); });
    const celebrate = landed.some(function (r) { return r.dataset.celebrate === "1"; });
    if (celebrate) confetti();
    if (landed.some(function (r) { return r.dataset.status === "done"; })) chime(celebrate);
    reveal(batch ? panel : landed[0]);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const toggle = document.getElementById("sound-toggle");
    if (toggle) {
      toggle.checked = soundOn();
      toggle.addEventListener("change", function () {
        try { localStorage.setItem(SOUND_KEY, toggle.checked ? "1" : "0"); } catch (e) { /* no storage */ }
      });
    }
    update(false);
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    // A new pull's first panel (the Pull buttons target #pull-area): show the machine.
    const started = event.detail && event.detail.target && event.detail.target.id === "pull-area";
    update(started);
  });
})();
