// Search as you type on the catalog page: the results are fetched from the server (which
// renders and escapes them) and swapped in; without this script the form still works.
"use strict";
(function () {
  var form = document.getElementById("catalog-search");
  var results = document.getElementById("results");
  if (!form || !results) {
    return;
  }
  var base = document.body.getAttribute("data-base") || "";
  var timer = null;
  var latest = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var asked = ++latest;
    history.replaceState(null, "", base + "/catalog?" + params.toString());
    params.set("partial", "true");
    fetch(base + "/catalog?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && asked === latest) {
          results.innerHTML = html;
        }
      });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  });
})();
