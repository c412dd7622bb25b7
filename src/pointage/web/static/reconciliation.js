// Reconciliation page: the "Match by hand" dialogs open as modal dialogs. Without this
// script the links lead to the same dialog shown in the page.
(function () {
  "use strict";

  function openModal(dialog) {
    if (!dialog || typeof dialog.showModal !== "function") return false;
    if (dialog.open) dialog.close();
    dialog.showModal();
    var first = dialog.querySelector(
      "[aria-invalid='true'], .rc-results input, .rc-search input[type='text']"
    );
    if (first) first.focus();
    return true;
  }

  document.querySelectorAll("a[data-dialog]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (openModal(document.getElementById(link.getAttribute("data-dialog")))) {
        event.preventDefault();
      }
    });
  });

  document.querySelectorAll("a[data-close]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var dialog = document.getElementById(link.getAttribute("data-close"));
      if (dialog && dialog.open && !dialog.hasAttribute("data-open")) {
        event.preventDefault();
        dialog.close();
      }
    });
  });

  // A dialog the page was asked to show (a search made, a refused match) opens as modal.
  document.querySelectorAll("dialog[data-open]").forEach(openModal);
})();
