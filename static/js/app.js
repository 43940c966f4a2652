// Small behaviours of our own: confirm dangerous actions, send the CSRF token with htmx, the phone
// menu button, and focus on the error summary after a failed save.
document.documentElement.classList.add("js");
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.body.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
(function () {
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
// A "select all" checkbox ticks the row checkboxes named by its data-check-all attribute.
document.addEventListener("change", function (event) {
  var name = event.target.getAttribute && event.target.getAttribute("data-check-all");
  if (!name) { return; }
  var form = event.target.form || document;
  form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
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
