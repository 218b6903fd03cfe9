/* Render the Vega-Lite specs that the server put in <script type="application/json"> elements.
 * Uses Vega's expression interpreter (no eval), so it works under the strict Content-Security-Policy.
 * Without JavaScript the tables next to the charts carry the same numbers. */
(function () {
  "use strict";
  if (typeof vegaEmbed === "undefined" || typeof vega === "undefined") { return; }
  var options = {actions: false, ast: true, expr: vega.expressionInterpreter, renderer: "svg",
                 tooltip: {theme: "light"}};

  function embed(target, spec) {
    return vegaEmbed(target, spec, options).catch(function (error) {
      target.textContent = "Grafiek kon niet worden getekend / chart could not be drawn.";
      if (window.console) { console.error(error); }
    });
  }

  document.querySelectorAll("[data-vega-spec]").forEach(function (target) {
    var source = document.getElementById(target.getAttribute("data-vega-spec"));
    if (!source) { return; }
    embed(target, JSON.parse(source.textContent));
  });

  document.querySelectorAll("[data-vega-specs]").forEach(function (grid) {
    var source = document.getElementById(grid.getAttribute("data-vega-specs"));
    if (!source) { return; }
    JSON.parse(source.textContent).forEach(function (spec) {
      var cell = document.createElement("div");
      cell.className = "chart";
      cell.setAttribute("aria-hidden", "true");
      grid.appendChild(cell);
      embed(cell, spec);
    });
  });

  document.querySelectorAll(".nojs-note").forEach(function (note) { note.hidden = true; });
})();
