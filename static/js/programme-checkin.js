// Camera scanning for the check-in page where the browser has BarcodeDetector; typing always works.
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var start = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var form = document.getElementById("checkin-form");
  var input = form && form.querySelector("input[name=payload]");
  if (!start || !video || !input) return;
  start.classList.remove("d-none");
  start.addEventListener("click", function () {
    var detector = new BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.classList.remove("d-none");
      video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = codes[0].rawValue;
            if (navigator.vibrate) navigator.vibrate(80);
            form.submit();
          } else {
            requestAnimationFrame(tick);
          }
        }).catch(function () { requestAnimationFrame(tick); });
      };
      tick();
    });
  });
})();
