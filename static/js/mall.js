// The mall's pages: a claim button says it is working and cannot be tapped twice.
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains('claim-form')) return;
  var button = form.querySelector('button[type=submit]');
  if (!button) return;
  if (button.dataset.busy) { event.preventDefault(); return; }
  button.dataset.busy = '1';
  button.classList.add('disabled');
  button.setAttribute('aria-busy', 'true');
});
