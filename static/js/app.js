// Small behaviours of our own: confirm dangerous actions, send the CSRF token with htmx.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.body.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
// Behaviours that were inline attributes (the Content-Security-Policy allows no inline script).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
});
function applyPercentWidths(root) {
  root.querySelectorAll("[data-percent]").forEach(function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.getAttribute("data-percent")) || 0)) + "%";
  });
}
applyPercentWidths(document);
document.body.addEventListener("htmx:afterSettle", function () { applyPercentWidths(document); });
