// Shows which release is live, read from the REVISION file Tarmac writes.
function showRelease(element) {
  fetch("../REVISION")
    .then((response) => response.text())
    .then((text) => {
      element.textContent = "Release " + text.trim();
    });
}

window.addEventListener("DOMContentLoaded", () => showRelease(document.getElementById("release")));
