// Settings pages: the button that copies a secret shown once. The secret stays selectable
// without it (the button is shown only when the browser can copy).
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".settings-copy-status");
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) status.textContent = button.getAttribute("data-copied");
      });
    });
  });
})();
