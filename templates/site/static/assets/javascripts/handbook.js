/* The "打印本页" button on role, policy and guide pages. No network, no libraries. */
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-handbook-print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});
