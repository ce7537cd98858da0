// Copy buttons: <button data-copy-target="element-id"> or <button data-copy="text"> puts the
// text on the clipboard and says so on the button for a moment.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target], [data-copy]");
    if (!button || !navigator.clipboard) return;
    const target = button.dataset.copyTarget && document.getElementById(button.dataset.copyTarget);
    const text = target ? target.textContent.trim() : button.dataset.copy;
    navigator.clipboard.writeText(text).then(function () {
      const label = button.textContent;
      button.textContent = "Copied ✓";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
})();
