// The diff view: every version's flat params/schema/rows/metrics/files are embedded once;
// any two are compared here, so a dataset with n versions needs one page, not n² pages.
(function () {
  var versions = JSON.parse(document.getElementById("versions-data").textContent);
  var byVersion = {};
  versions.forEach(function (v) { byVersion[v.version] = v; });
  var SECTIONS = ["params", "schema", "rows", "metrics", "files"];
  var oldSelect = document.getElementById("old"), newSelect = document.getElementById("new");
  var all = document.getElementById("all"), out = document.getElementById("diff");

  function show(value) { return value === undefined ? "—" : (typeof value === "object" ? JSON.stringify(value) : String(value)); }
  function cell(row, text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.appendChild(td); }
  function change(a, b) {
    if (typeof a !== "number" || typeof b !== "number") return "";
    var d = b - a; return (d > 0 ? "+" : "") + Number(d.toPrecision(6));
  }

  function render() {
    var a = byVersion[oldSelect.value], b = byVersion[newSelect.value];
    out.textContent = "";
    if (!a || !b) return;
    var total = 0;
    SECTIONS.forEach(function (name) {
      var left = a.sections[name] || {}, right = b.sections[name] || {};
      var keys = Object.keys(Object.assign({}, left, right)).sort();
      var differing = keys.filter(function (k) { return JSON.stringify(left[k]) !== JSON.stringify(right[k]); });
      total += differing.length;
      var section = document.createElement("section");
      section.id = "section-" + name;
      var h = document.createElement("h2");
      h.textContent = name + " (" + differing.length + " changed of " + keys.length + ")";
      section.appendChild(h);
      var shown = all.checked ? keys : differing;
      if (shown.length) {
        var table = document.createElement("table"), head = table.createTHead().insertRow();
        ["key", a.version, b.version, "change"].forEach(function (t) { var th = document.createElement("th"); th.textContent = t; head.appendChild(th); });
        var body = table.createTBody();
        shown.forEach(function (k) {
          var row = body.insertRow();
          row.dataset.key = k;
          if (differing.indexOf(k) >= 0) row.className = left[k] === undefined ? "added" : (right[k] === undefined ? "removed" : "changed");
          cell(row, k); cell(row, show(left[k])); cell(row, show(right[k])); cell(row, change(left[k], right[k]), "num");
        });
        section.appendChild(table);
      }
      out.appendChild(section);
    });
    document.getElementById("summary").textContent = versions.length < 2
      ? "only one version so far (" + a.tag + "): nothing to compare yet"
      : a.tag + " → " + b.tag + ": " + total + " differences";
    history.replaceState(null, "", "#old=" + a.version + "&new=" + b.version);
  }

  var wanted = {};
  location.hash.slice(1).split("&").forEach(function (pair) { var kv = pair.split("="); wanted[kv[0]] = decodeURIComponent(kv[1] || ""); });
  var n = versions.length;
  oldSelect.value = byVersion[wanted.old] ? wanted.old : (n > 1 ? versions[n - 2].version : (n ? versions[0].version : ""));
  newSelect.value = byVersion[wanted["new"]] ? wanted["new"] : (n ? versions[n - 1].version : "");
  [oldSelect, newSelect, all].forEach(function (el) { el.addEventListener("change", render); });
  render();
})();
