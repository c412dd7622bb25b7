// Pointage back office: a few progressive enhancements; every page works without them.
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  // Requests made by scripts carry the session's CSRF token in a header.
  window.pointageFetch = function (url, options) {
    var init = Object.assign({ credentials: "same-origin" }, options || {});
    var headers = new Headers(init.headers || {});
    headers.set("X-CSRF-Token", csrfToken);
    init.headers = headers;
    return fetch(url, init);
  };

  // The account menu closes with Escape (focus back on its button) and on a click elsewhere.
  var menus = document.querySelectorAll("details.user-menu");
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });

  // Forms that change something important ask first: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
