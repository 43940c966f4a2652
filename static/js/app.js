// Small behaviours of our own: confirm dangerous actions, send the CSRF token with htmx.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.body.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
// A "select all" checkbox ticks the row checkboxes named by its data-check-all attribute.
document.addEventListener("change", function (event) {
  var name = event.target.getAttribute && event.target.getAttribute("data-check-all");
  if (!name) { return; }
  var form = event.target.form || document;
  form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});
