// Sortable tables: click a column header button; the header tells screen readers the sort order (aria-sort).
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-sort");
    if (v === null) { v = cell.textContent.trim(); }
    var n = parseFloat(v);
    return isNaN(n) || v === "" ? v.toLowerCase() : n;
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var empty = (x === "") - (y === "");
      if (empty) { return empty; }  // empty values last, whatever the direction
      var c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  });
  var print = document.getElementById("print-button");
  if (print) { print.addEventListener("click", function () { window.print(); }); }

  // Choosers offer only the levels and years with data (the server answers any other combination with a 404 that
  // links to those that exist; this only saves the trip).
  var LEVELS = ["buurt", "wijk", "stadsdeel"];
  function latest(years) { return years.length ? Math.max.apply(null, years) : null; }
  function union(avail) {
    var all = [];
    Object.keys(avail).forEach(function (lv) {
      avail[lv].forEach(function (y) { if (all.indexOf(y) < 0) { all.push(y); } });
    });
    return all;
  }
  var home = document.getElementById("kaart-kiezer");
  if (home) {
    var indicator = home.querySelector("select[name=indicator]");
    var level = home.querySelector("select[name=niveau]");
    var year = home.querySelector("select[name=jaar]");
    var update = function () {
      var option = indicator.options[indicator.selectedIndex];
      var avail = option ? JSON.parse(option.getAttribute("data-beschikbaar") || "{}") : {};
      Array.prototype.forEach.call(level.options, function (o) { o.disabled = o.value !== "" && !avail[o.value]; });
      if (level.options[level.selectedIndex].disabled) { level.value = ""; }
      var years = level.value ? avail[level.value] : union(avail);
      Array.prototype.forEach.call(year.options, function (o) {
        o.disabled = o.value !== "" && years.indexOf(parseInt(o.value, 10)) < 0;
      });
      if (year.options[year.selectedIndex].disabled) { year.value = ""; }
      var shownYear = year.value ? parseInt(year.value, 10) : latest(years);
      var finest = LEVELS.filter(function (lv) { return avail[lv] && avail[lv].indexOf(shownYear) >= 0; })[0];
      level.options[0].textContent = "fijnste met cijfers" + (finest ? " (" + finest + ")" : "");
      year.options[0].textContent = "laatste jaar met cijfers" + (latest(years) ? " (" + latest(years) + ")" : "");
    };
    [indicator, level, year].forEach(function (el) { el.addEventListener("change", update); });
    update();
  }
  var map = document.getElementById("kaart-aanpassen");
  if (map) {
    var mapLevel = map.querySelector("select[name=niveau]");
    var mapYear = map.querySelector("select[name=jaar]");
    mapLevel.addEventListener("change", function () {
      var option = mapLevel.options[mapLevel.selectedIndex];
      var years = (option.getAttribute("data-jaren") || "").split(" ").filter(Boolean).reverse();
      var forecast = (option.getAttribute("data-prognose") || "").split(" ").filter(Boolean);
      var measured = years.filter(function (y) { return forecast.indexOf(y) < 0; });
      var keep = years.indexOf(mapYear.value) >= 0 ? mapYear.value : (measured[0] || years[0]);
      mapYear.textContent = "";
      years.forEach(function (y) {
        var o = document.createElement("option");
        o.value = y;
        o.textContent = forecast.indexOf(y) >= 0 ? y + " (prognose)" : y;
        o.selected = y === keep;
        mapYear.appendChild(o);
      });
    });
  }
  // the map's table gets an "op de kaart" button per area: the same popup as a click on the map, by keyboard
  document.querySelectorAll("table.kaarttabel").forEach(function (table) {
    var head = document.createElement("th");
    head.scope = "col";
    head.className = "noprint";
    var label = document.createElement("span");
    label.className = "sr";
    label.textContent = "Op de kaart";
    head.appendChild(label);
    table.tHead.rows[0].appendChild(head);
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var link = row.querySelector("a[href^='/gebied/']");
      var cell = row.insertCell();
      cell.className = "noprint";
      if (!link) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "linkbutton";
      button.setAttribute("data-gebied", link.getAttribute("href").slice("/gebied/".length));
      button.setAttribute("aria-label", link.textContent + " op de kaart");
      button.textContent = "op de kaart";
      cell.appendChild(button);
    });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-gebied]");
    if (!button || !window.atlasOpenArea) { return; }
    var popup = window.atlasOpenArea(button.getAttribute("data-gebied"));
    if (!popup) { return; }
    var element = popup.getElement();
    element.scrollIntoView({block: "nearest"});
    var link = element.querySelector(".atlas-popup a");
    if (link) { link.focus(); }
    element.addEventListener("keydown", function (key) {
      if (key.key === "Escape") { popup.close(); }
    });
    popup.on("remove", function () { button.focus(); });
  });
})();
