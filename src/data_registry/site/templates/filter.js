// Label filter of the index: a row stays visible when it carries the chosen label.
(function () {
  var buttons = document.querySelectorAll("#label-filter button");
  var rows = document.querySelectorAll("#datasets tbody tr[data-labels]");
  function apply(label) {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = !label || row.dataset.labels.split(" ").indexOf(label) >= 0;
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.label === label));
    });
    document.getElementById("shown-count").textContent = shown + " of " + rows.length + " datasets";
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () { apply(button.dataset.label); });
  });
})();
