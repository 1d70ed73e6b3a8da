// Fleetkeeper console: the little behaviour htmx does not give (no inline script; loaded from the server only).
document.addEventListener("click", function (e) {
  var button = e.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent).then(function () {
      button.textContent = "Copied";
    });
  }
});
