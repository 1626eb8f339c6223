// The API docs page (Swagger UI), started from a static file so the Content-Security-Policy needs no
// inline script.
(function () {
  var box = document.getElementById('swagger-ui-container');
  var config = {url: box.dataset.specUrl, dom_id: '#swagger-ui-container'};
  var extra = JSON.parse(box.dataset.config || '{}');
  for (var key in extra) { config[key] = extra[key]; }
  window.ui = window.SwaggerUIBundle(config);
})();
