// The till console: scan with the camera where the browser can (BarcodeDetector), otherwise read a photo on
// the server; a receipt greets success with a short vibration and beep.
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
  var confirmForm = document.getElementById('confirm-form');
  if (confirmForm) {
    confirmForm.addEventListener('submit', function () {
      var b = document.getElementById('confirm');
      if (b) { setTimeout(function () { b.disabled = true; }, 0); }
    });
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
  var startButton = document.getElementById('scan-start');
  var script = document.getElementById('till-script');
  var stream = null;

  function say(text, cls) { status.textContent = text; status.className = 'small mt-2 mb-0 ' + (cls || ''); }
  function found(text) {
    payload.value = text;
    code.value = '';
    say(words.found, 'text-success fw-bold');
    stop();
    amount.focus();
  }
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }
  code.addEventListener('input', function () { payload.value = ''; });

  if ('BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    startButton.hidden = false;
    startButton.addEventListener('click', function () {
      var detector = new window.BarcodeDetector({formats: ['qr_code']});
      navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}}).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        say(words.scanning);
        var tick = function () {
          if (!stream) return;
          detector.detect(video).then(function (codes) {
            if (codes.length && codes[0].rawValue) { found(codes[0].rawValue); } else { setTimeout(tick, 200); }
          }).catch(function () { setTimeout(tick, 400); });
        };
        tick();
      }).catch(function () { say(words.noCamera, 'text-danger'); });
    });
  }

  // Without a detector the photo goes to the server as soon as it is taken.
  photo.addEventListener('change', function () {
    if (!photo.files || !photo.files.length) return;
    var data = new FormData();
    data.append('photo', photo.files[0]);
    say(words.reading);
    var token = form.querySelector('input[name=csrf_token]');
    fetch(script.dataset.decodeUrl, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: token ? {'X-CSRFToken': token.value} : {}
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.qr_payload) { found(body.qr_payload); photo.value = ''; } else { say(body.error || words.failed, 'text-danger'); }
    }).catch(function () { say(words.failed, 'text-danger'); });
  });
})();
