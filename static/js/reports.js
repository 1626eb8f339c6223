// Dashboards: a button that prints the page, and the printable page printing itself once loaded.
(function () {
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-print]');
    if (button) window.print();
  });
  window.addEventListener('load', function () {
    if (document.querySelector('[data-print-on-load]')) window.print();
  });
})();
