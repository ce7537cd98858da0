// The job page: confetti when a guaranteed job's result appears (its live panel polls by htmx).
(function () {
  "use strict";
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
  document.body.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("[data-testid=job-result]:not([data-celebrated])").forEach(function (result) {
      result.setAttribute("data-celebrated", "1");
      confetti();
    });
  });
  document.querySelectorAll("[data-testid=job-result]").forEach(function (result) {
    result.setAttribute("data-celebrated", "1");  // already found when the page opened: no party
  });
})();
