// The voucher screen: a fresh signed QR every ~30 s (a screenshot passed around goes stale), the screen
// kept awake while it is shown, and the QR taken away as soon as the voucher has been used.
(function () {
  var box = document.getElementById('voucher');
  var img = document.getElementById('voucher-qr');
  if (!box || !img) return;
  var every = (parseInt(box.dataset.refresh, 10) || 30) * 1000;
  var lock = null;

  function keepAwake() {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    navigator.wakeLock.request('screen').then(function (l) { lock = l; }).catch(function () {});
  }

  function renew() {
    fetch(box.dataset.stateUrl, {credentials: 'same-origin', cache: 'no-store'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) return;
        if (state.status !== 'active') { window.location.reload(); return; }
        var next = new Image();
        next.onload = function () { img.src = next.src; };
        next.src = state.qr + '?t=' + Date.now();
      })
      .catch(function () {});
  }

  var timer = setInterval(renew, every);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { renew(); keepAwake(); clearInterval(timer); timer = setInterval(renew, every); }
  });
  keepAwake();
})();
