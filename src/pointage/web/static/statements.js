// Bank statements: the upload form is sent in the background so that a <progress> bar shows
// how much of the file has gone, then the answer's result and statements replace the page's.
// Without this script the form posts normally and the answer is the same page.
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var status = document.getElementById("upload-status");
  var button = form.querySelector('button[type="submit"]');
  var meta = document.querySelector('meta[name="csrf-token"]');

  function say(key) {
    status.textContent = status.getAttribute("data-" + key) || "";
  }

  function replace(answer, id) {
    var fresh = answer.getElementById(id);
    var here = document.getElementById(id);
    if (fresh && here) here.innerHTML = fresh.innerHTML;
    return Boolean(fresh);
  }

  function show(answer) {
    var fresh = answer.getElementById("upload-form");
    if (fresh && fresh.querySelector(".field-invalid")) {
      // Fields the server could not use: the form as it saw them, with their errors.
      form.innerHTML = fresh.innerHTML;
      box = document.getElementById("upload-progress");
      bar = document.getElementById("upload-bar");
      status = document.getElementById("upload-status");
      button = form.querySelector('button[type="submit"]');
    } else {
      form.reset();
    }
    replace(answer, "statement-accounts");
    if (!replace(answer, "upload-result")) {
      // Not a page of this section (an error page): its heading and explanation.
      var region = document.getElementById("upload-result");
      var main = answer.querySelector("main");
      region.textContent = "";
      var section = document.createElement("section");
      section.className = "card st-result st-result-refused";
      section.setAttribute("role", "alert");
      var lines = main ? main.querySelectorAll("h1, p") : [];
      for (var i = 0; i < lines.length && i < 3; i += 1) {
        var line = document.createElement(i === 0 ? "h2" : "p");
        line.textContent = lines[i].textContent;
        section.appendChild(line);
      }
      region.appendChild(section);
    }
    var heading = document.getElementById("result-heading");
    var target = heading || document.getElementById("upload-result");
    target.setAttribute("tabindex", "-1");
    target.focus();
  }

  // Listened to on the document, after app.js's confirmation: a refused confirmation has
  // already prevented the default when this runs.
  document.addEventListener("submit", function (event) {
    if (event.target !== form || event.defaultPrevented) return;
    event.preventDefault();
    var data = new FormData(form);
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action"));
    request.responseType = "document";
    if (meta) request.setRequestHeader("X-CSRF-Token", meta.getAttribute("content"));
    box.hidden = false;
    bar.value = 0;
    bar.textContent = "0 %";
    button.disabled = true;
    say("sending");
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) return;
      var percent = Math.round((progress.loaded / progress.total) * 100);
      bar.value = percent;
      bar.textContent = percent + " %";
    });
    request.upload.addEventListener("load", function () {
      bar.value = 100;
      say("importing");
    });
    request.addEventListener("load", function () {
      button.disabled = false;
      if (request.responseXML) {
        say("done");
        show(request.responseXML);
      } else {
        say("failed");
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      say("failed");
    });
    request.send(data);
  });
})();
