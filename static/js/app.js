// Every page: the few behaviours that used to be inline handlers, so the Content-Security-Policy can refuse
// inline script. A filter that submits on change, a question before a destructive form, a link field that
// selects itself, a print button, a page that prints itself once loaded.
(function () {
  document.addEventListener('change', function (event) {
    var field = event.target;
    if (field && field.matches && field.matches('[data-autosubmit]') && field.form) field.form.submit();
  });
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var asker = event.submitter && event.submitter.dataset.confirm ? event.submitter : form;
    var question = asker && asker.dataset ? asker.dataset.confirm : null;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  function selectAll(event) {
    var field = event.target;
    if (field && field.matches && field.matches('[data-select-on-click]')) field.select();
  }
  document.addEventListener('click', selectAll);
  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest ? event.target.closest('[data-print]') : null;
    if (button) window.print();
  });
  window.addEventListener('load', function () {
    if (document.querySelector('[data-print-on-load]')) window.print();
  });
  document.addEventListener('focusin', selectAll);
})();
