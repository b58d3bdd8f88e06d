// flask-grader dashboard: live batch progress, sortable and filterable tables.
// Served as a file (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  var progress = document.getElementById("progress");
  if (progress && progress.dataset.reload === "yes") {
    setTimeout(function () { window.location.reload(); }, 2000);
  } else if (progress && progress.dataset.finished === "no") {
    var poll = function () {
      fetch(progress.dataset.url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (counts) {
          Object.keys(counts).forEach(function (key) {
            var el = progress.querySelector('[data-count="' + key + '"]');
            if (el) { el.textContent = counts[key]; }
          });
          var fill = progress.querySelector(".fill");
          if (fill && counts.total) { fill.style.width = (100 * counts.done / counts.total) + "%"; }
          if (counts.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, column) {
      th.tabIndex = 0;
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        // a first click sorts by the column's data-first ("desc" on Score and %: best first),
        // each later click on the same column reverses the order
        var ascending = th.dataset.order ? th.dataset.order !== "asc" : th.dataset.first !== "desc";
        table.querySelectorAll("th").forEach(function (other) { delete other.dataset.order; });
        th.dataset.order = ascending ? "asc" : "desc";
        // a number column's empty or "no score" cell (an error, or not graded yet) has no key:
        // it sorts last either way, never among the real zeros
        var key = function (row) {
          var text = row.cells[column].textContent.trim();
          if (th.dataset.sort !== "num") { return text.toLowerCase(); }
          var value = parseFloat(text);
          return isNaN(value) ? null : value;
        };
        Array.from(body.rows)
          .sort(function (a, b) {
            var x = key(a), y = key(b);
            if (x === null || y === null) { return (x === null) - (y === null); }
            return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
          })
          .forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  var filter = document.getElementById("filter");
  var statusFilter = document.getElementById("status-filter");
  var apply = function () {
    var table = document.getElementById("submissions");
    if (!table) { return; }
    var words = (filter.value || "").toLowerCase();
    var status = statusFilter.value;
    Array.from(table.tBodies[0].rows).forEach(function (row) {
      var match = row.textContent.toLowerCase().indexOf(words) >= 0 && (!status || row.dataset.status === status);
      row.hidden = !match;
    });
  };
  if (filter && statusFilter) {
    filter.addEventListener("input", apply);
    statusFilter.addEventListener("change", apply);
  }
})();
