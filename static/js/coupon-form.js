// The coupon form: show only the fields of the chosen kind and validity; without script every field shows,
// with its hint.
(function () {
  var form = document.getElementById('coupon-form');
  if (!form) return;
  function sync() {
    var kind = (form.querySelector('input[name=kind]:checked') || {}).value;
    var validity = (form.querySelector('input[name=validity]:checked') || {}).value;
    form.querySelectorAll('[data-kinds]').forEach(function (el) {
      el.hidden = el.dataset.kinds.split(' ').indexOf(kind) < 0;
    });
    form.querySelectorAll('[data-validity]').forEach(function (el) { el.hidden = el.dataset.validity !== validity; });
  }
  form.addEventListener('change', sync);
  sync();
})();
