/* The handbook's few page behaviours. No network, no libraries; every page works without them. */

/* The "打印本页" button on role, policy and guide pages. */
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-handbook-print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});

(function () {
  /* KPI and 修订记录 tables become one card per row on phones (handbook.css): each cell carries
     its column's name, copied from the header so the names live only in the page. */
  function labelKpiCells() {
    document.querySelectorAll(".kpi-table:not([data-cards]), .revisions:not([data-cards])").forEach(function (wrapper) {
      var table = wrapper.querySelector("table");
      if (!table) return;
      var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (names[i]) cell.setAttribute("data-label", names[i]);
        });
      });
      wrapper.setAttribute("data-cards", "");
    });
  }

  /* A table or the org chart wider than the screen scrolls inside its own box; say so above it
     ("左右滑动查看") and fade the edge where more is hidden, until the reader has scrolled to the end. */
  var watched = [];

  function scrollBoxes() {
    var boxes = [];
    document.querySelectorAll(".md-typeset table, .md-typeset .org-chart").forEach(function (el) {
      var box = el.closest(".md-typeset__scrollwrap") || el;
      if (boxes.indexOf(box) < 0) boxes.push(box);
    });
    return boxes;
  }

  /* A box that scrolls is a stop for the Tab key (with a focus ring, handbook.css), so a keyboard can scroll
     it too; one that fits is not. */
  function update(box) {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("handbook-overflows", overflows);
    if (overflows) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
    box.classList.toggle("at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
    if (box.handbookHint) box.handbookHint.hidden = !overflows;
  }

  function watch() {
    scrollBoxes().forEach(function (box) {
      if (watched.indexOf(box) >= 0) return;
      watched.push(box);
      var hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.setAttribute("aria-hidden", "true");
      hint.setAttribute("data-search-exclude", "");
      hint.textContent = "左右滑动查看";
      hint.hidden = true;
      box.parentNode.insertBefore(hint, box);
      box.handbookHint = hint;
      box.addEventListener("scroll", function () { update(box); }, { passive: true });
      if (window.ResizeObserver) new ResizeObserver(function () { update(box); }).observe(box);
      update(box);
    });
  }

  function setUp() {
    labelKpiCells();
    watch();
  }

  /* Material wraps tables in its scroll boxes once the page is mounted; run after it. */
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { setTimeout(setUp, 0); });
  }
  window.addEventListener("load", setUp);
  window.addEventListener("resize", function () { watched.forEach(update); });
})();
