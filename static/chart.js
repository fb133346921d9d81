// The price chart's readout on a coin page. Without this script the chart's points are a
// table behind its "Chart data" disclosure; with it, the price at a point follows the pointer
// over the chart, and the arrow keys, Page Up/Down, Home and End once the chart has focus.
// The points come from that table, so the server draws everything once. Served from our own
// origin (the CSP allows no inline script), deferred, and it only adds to the page.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";

  function readout(box) {
    var svg = box.querySelector("svg.chart");
    var out = box.querySelector(".chart-readout");
    var rows = Array.prototype.slice.call(box.querySelectorAll(".chart-data tbody tr"));
    if (!svg || !out || rows.length === 0) {
      return;
    }
    var points = rows.map(function (row) {
      return {
        x: Number(row.getAttribute("data-x")),
        y: Number(row.getAttribute("data-y")),
        when: row.cells[0].textContent.trim(),
        price: row.cells[1].textContent.trim()
      };
    });

    var cursor = document.createElementNS(SVG, "g");
    cursor.setAttribute("class", "chart-cursor");
    cursor.setAttribute("visibility", "hidden");
    var line = document.createElementNS(SVG, "line");
    line.setAttribute("y1", svg.getAttribute("data-top"));
    line.setAttribute("y2", svg.getAttribute("data-bottom"));
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "1");
    var dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("r", "6");
    dot.setAttribute("fill", "currentColor");
    cursor.appendChild(line);
    cursor.appendChild(dot);
    svg.appendChild(cursor);

    var current = points.length - 1;
    var hint = out.getAttribute("data-hint") || "";
    out.textContent = hint;
    out.hidden = false;

    function show(i) {
      current = Math.max(0, Math.min(points.length - 1, i));
      var p = points[current];
      line.setAttribute("x1", p.x);
      line.setAttribute("x2", p.x);
      dot.setAttribute("cx", p.x);
      dot.setAttribute("cy", p.y);
      cursor.setAttribute("visibility", "visible");
      out.textContent = p.price + " on " + p.when + " UTC";
    }

    function hide() {
      cursor.setAttribute("visibility", "hidden");
    }

    // The point nearest to viewBox x; points are in time order, so x grows along them.
    function nearest(x) {
      var lo = 0;
      var hi = points.length - 1;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (points[mid].x < x) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo > 0 && x - points[lo - 1].x < points[lo].x - x) {
        return lo - 1;
      }
      return lo;
    }

    function follow(event) {
      var m = svg.getScreenCTM();
      if (!m) {
        return;
      }
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
      show(nearest(p.x));
    }

    svg.addEventListener("pointermove", follow);
    svg.addEventListener("pointerdown", follow);
    svg.addEventListener("pointerleave", function () {
      if (document.activeElement !== svg) {
        hide();
      }
    });

    svg.setAttribute("tabindex", "0");
    svg.addEventListener("focus", function () {
      show(current);
    });
    svg.addEventListener("blur", hide);
    svg.addEventListener("keydown", function (event) {
      var moves = {
        ArrowLeft: current - 1,
        ArrowDown: current - 1,
        ArrowRight: current + 1,
        ArrowUp: current + 1,
        PageUp: current - 10,
        PageDown: current + 10,
        Home: 0,
        End: points.length - 1
      };
      if (!Object.prototype.hasOwnProperty.call(moves, event.key)) {
        return;
      }
      event.preventDefault();
      show(moves[event.key]);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), readout);
})();
