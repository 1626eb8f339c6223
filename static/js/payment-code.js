// The payment code screen: a fresh code and QR every ~30 s (a screenshot passed around goes stale),
// the balance kept current, and the screen kept awake while it is shown.
(function () {
  var box = document.getElementById('payment-code');
  if (!box) return;
  var every = (parseInt(box.dataset.refresh, 10) || 30) * 1000;

  function keepAwake() {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    navigator.wakeLock.request('screen').catch(function () {});
  }

  function renew() {
    fetch(box.dataset.freshUrl, {credentials: 'same-origin', cache: 'no-store'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fresh) {
        if (!fresh) return;
        document.getElementById('pay-qr').innerHTML = fresh.qr_svg;
        document.getElementById('pay-code').textContent = fresh.code;
        document.getElementById('pay-until').textContent = fresh.expires_at;
        document.getElementById('pay-balance').textContent = fresh.balance;
      })
      .catch(function () {});
  }

  var timer = setInterval(renew, every);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { renew(); keepAwake(); clearInterval(timer); timer = setInterval(renew, every); }
  });
  keepAwake();
})();
