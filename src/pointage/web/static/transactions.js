// Cash management: the lines shown are kept up to date while the page is open. Every few
// seconds the page asks the server which of its transactions changed and replaces those
// lines in place, then says so in a polite live region. Without scripts the list still works:
// a reload shows the same.
(function () {
  "use strict";

  var table = document.getElementById("tx-table");
  var live = document.getElementById("tx-live");
  if (!table || !live || !window.fetch) return;

  var url = table.getAttribute("data-changes");
  var since = table.getAttribute("data-since");
  var interval = parseInt(table.getAttribute("data-interval"), 10) || 5000;
  var busy = false;

  function shownRows() {
    return table.querySelectorAll("tbody tr[data-uuid]");
  }

  function replace(row, change) {
    var holder = document.createElement("tbody");
    holder.innerHTML = change.html.trim();
    var fresh = holder.querySelector("tr");
    if (!fresh) return false;
    var focused = row.contains(document.activeElement);
    fresh.classList.add("tx-updated");
    row.replaceWith(fresh);
    if (focused) {
      var link = fresh.querySelector("a");
      if (link) link.focus();
    }
    return true;
  }

  function apply(answer) {
    var messages = [];
    (answer.rows || []).forEach(function (change) {
      var row = document.getElementById("tx-" + change.uuid);
      if (!row || row.getAttribute("data-updated") === change.updated) return;
      if (replace(row, change)) messages.push(change.message);
    });
    if (answer.since) since = answer.since;
    if (messages.length) live.textContent = messages.join(" ");
  }

  function poll() {
    if (busy || document.hidden) return;
    var ids = Array.prototype.map.call(shownRows(), function (row) {
      return row.getAttribute("data-uuid");
    });
    if (!ids.length) return;
    busy = true;
    var query = "?since=" + encodeURIComponent(since) + "&ids=" + encodeURIComponent(ids.join(","));
    fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(apply)
      .catch(function () {
        // Signed out or the server away: the next round tries again.
      })
      .then(function () {
        busy = false;
      });
  }

  window.setInterval(poll, interval);
})();
