// The till console on one screen: the code field has the focus (a scanner gun types and presses Enter), the
// voucher is recognised as soon as it is scanned or typed, the discount and the amount to pay follow the
// amount as it is typed, and one 确认核销 redeems. The camera scans continuously where the browser has a
// BarcodeDetector; otherwise a photo is read on the server. A receipt greets success with a vibration and beep.
(function () {
  var receipt = document.getElementById('receipt');
  if (receipt && receipt.dataset.success) {
    if (navigator.vibrate) { try { navigator.vibrate(120); } catch (e) {} }
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.12);
    } catch (e) {}
  }

  var form = document.getElementById('till-form');
  if (!form) return;
  var words = document.getElementById('scan-words').dataset;
  var status = document.getElementById('scan-status');
  var payload = document.getElementById('qr_payload');
  var code = document.getElementById('code');
  var amount = document.getElementById('amount');
  var photo = document.getElementById('photo');
  var video = document.getElementById('scan-video');
  var scanBox = document.getElementById('scan-box');
  var startButton = document.getElementById('scan-start');
  var confirmButton = document.getElementById('confirm');
  var panel = document.getElementById('voucher');
  var amountError = document.getElementById('amount-error');
  var token = form.querySelector('input[name=csrf_token]');
  var codeLength = parseInt(form.dataset.codeLength, 10) || 12;
  var payLength = parseInt(form.dataset.payLength, 10) || 10;  // a customer's payment code (激励金)
  var customerCode = document.getElementById('customer_code');
  var ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  var stream = null;
  var lastScanned = '';
  var seq = 0;
  var amountTimer = null;
  var recognised = false;

  function $(id) { return document.getElementById(id); }
  function fill(template, key, value) { return template.replace('{' + key + '}', value); }
  function say(text, cls) { status.textContent = text || ''; status.className = 'small mt-1 mb-0 ' + (cls || ''); }
  function normalise(text) { return (text || '').replace(/[\s-]/g, '').toUpperCase(); }
  function looksLikePayload(text) { return text.length > 24 && text.indexOf('.') >= 0; }
  function isPayment(c) { return c.indexOf('PAY.') === 0 || wellFormed(c, payLength); }
  function wellFormed(c, length) {
    if (c.length !== (length || codeLength)) return false;
    var total = 0;
    for (var i = 0; i < c.length; i++) { if (ALPHABET.indexOf(c[i]) < 0) return false; }
    var body = c.slice(0, -1);
    for (var j = 0; j < body.length; j++) { total += (j + 2) * ALPHABET.indexOf(body[body.length - 1 - j]); }
    return ALPHABET[total % 31] === c[c.length - 1];
  }

  function clearFigures() {
    $('discount').textContent = '—';
    $('payable').textContent = '—';
    $('gift').hidden = true;
    $('cashback').hidden = true;
  }
  function forget() {
    recognised = false;
    panel.hidden = true;
    panel.className = 'till-voucher mb-2';
    confirmButton.disabled = false;
    clearFigures();
  }
  function refuse(message) {
    recognised = false;
    panel.hidden = false;
    panel.className = 'till-voucher mb-2 no';
    $('voucher-value').textContent = '';
    $('voucher-title').textContent = '';
    $('voucher-rules').textContent = '';
    $('voucher-meta').textContent = '';
    $('voucher-error').textContent = message;
    $('voucher-error').hidden = false;
    confirmButton.disabled = true;
    clearFigures();
  }
  function show(body) {
    recognised = true;
    panel.hidden = false;
    panel.className = 'till-voucher mb-2 ok';
    $('voucher-error').hidden = true;
    $('voucher-value').textContent = body.value;
    $('voucher-title').textContent = body.title;
    $('voucher-rules').textContent = body.rules;
    var meta = [body.code];
    if (body.valid_until) meta.push(fill(words.until, 'end', body.valid_until));
    if (body.shop) meta.push(fill(words.partner, 'shop', body.shop));
    $('voucher-meta').textContent = meta.join(' · ');
    amountError.textContent = body.amount_error || '';
    amount.classList.toggle('is-invalid', !!body.amount_error);
    confirmButton.disabled = !!body.amount_error && !!amount.value.trim();
    var q = body.quote;
    if (!q) { clearFigures(); return; }
    $('discount').textContent = '-' + q.discount;
    $('payable').textContent = q.payable;
    $('gift').hidden = !q.gift;
    if (q.gift) $('gift').textContent = fill(words.gift, 'gift', q.gift);
    $('cashback').hidden = !q.cashback;
    if (q.cashback) $('cashback').textContent = fill(words.cashback, 'amount', q.cashback);
  }

  function lookup() {
    var typed = normalise(code.value);
    if (!payload.value && !typed) { forget(); return; }
    if (!payload.value && !wellFormed(typed) && !wellFormed(typed, payLength)) {
      if (typed.length >= codeLength) refuse(words.mistyped); else forget();
      return;
    }
    var mine = ++seq;
    fetch(form.dataset.lookupUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': token ? token.value : ''},
      body: JSON.stringify({code: payload.value ? '' : code.value, qr_payload: payload.value, amount: amount.value})
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (mine !== seq) return;  // a later keystroke asked again
      if (body.ok) { show(body); } else { refuse(body.error); }
    }).catch(function () { /* offline: the server still checks everything on 确认核销 */ });
  }

  function found(text) {
    if (isPayment(text) && customerCode && (payload.value || normalise(code.value))) {
      // A voucher is in already: the payment code goes beside it.
      customerCode.value = text;
      document.getElementById('pay-with-incentives').open = true;
      say(words.paymentFound, 'text-success fw-bold');
      amount.focus();
      return;
    }
    payload.value = text;
    code.value = '';
    say(words.found, 'text-success fw-bold');
    lookup();
    amount.focus();
  }

  code.addEventListener('input', function () {
    payload.value = '';
    var typed = code.value.trim();
    if (looksLikePayload(typed)) return;  // a scanner gun is still typing; Enter follows
    var c = normalise(typed);
    if (c.length >= codeLength || wellFormed(c, payLength)) { lookup(); } else { forget(); }
  });
  code.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    var typed = code.value.trim();
    if (looksLikePayload(typed)) { found(typed); return; }
    lookup();
    amount.focus();
  });
  amount.addEventListener('input', function () {
    clearTimeout(amountTimer);
    if (!payload.value && !normalise(code.value)) return;
    amountTimer = setTimeout(lookup, 120);
  });
  form.addEventListener('submit', function (event) {
    if (confirmButton.disabled) { event.preventDefault(); return; }
    setTimeout(function () { confirmButton.disabled = true; }, 0);
  });

  // Continuous scanning: the camera stays on; every new QR code it sees replaces the last one.
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    scanBox.hidden = true;
    startButton.setAttribute('aria-pressed', 'false');
    try { sessionStorage.removeItem('till-camera'); } catch (e) {}
  }
  function start() {
    var detector = new window.BarcodeDetector({formats: ['qr_code']});
    navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}}).then(function (s) {
      stream = s;
      video.srcObject = s;
      scanBox.hidden = false;
      startButton.setAttribute('aria-pressed', 'true');
      try { sessionStorage.setItem('till-camera', '1'); } catch (e) {}
      video.play();
      say(words.scanning);
      var tick = function () {
        if (!stream) return;
        detector.detect(video).then(function (seen) {
          var text = seen.length && seen[0].rawValue;
          if (text && text !== lastScanned) { lastScanned = text; found(text); }
          setTimeout(tick, 150);
        }).catch(function () { setTimeout(tick, 400); });
      };
      tick();
    }).catch(function () { say(words.noCamera, 'text-danger'); stop(); });
  }
  if ('BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    startButton.hidden = false;
    document.getElementById('photo-label').hidden = true;
    startButton.addEventListener('click', function () { if (stream) { stop(); } else { start(); } });
    var wasOn = false;
    try { wasOn = sessionStorage.getItem('till-camera') === '1'; } catch (e) {}
    if (wasOn) start();  // the next customer: the camera comes back as the clerk left it
  }

  // Without a detector the photo goes to the server as soon as it is taken.
  photo.addEventListener('change', function () {
    if (!photo.files || !photo.files.length) return;
    var data = new FormData();
    data.append('photo', photo.files[0]);
    say(words.reading);
    fetch(form.dataset.decodeUrl, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: token ? {'X-CSRFToken': token.value} : {}
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.qr_payload) { found(body.qr_payload); photo.value = ''; } else { say(body.error || words.failed, 'text-danger'); }
    }).catch(function () { say(words.failed, 'text-danger'); });
  });

  if (code.value || payload.value) lookup();
  if (!code.value) code.focus();
})();
