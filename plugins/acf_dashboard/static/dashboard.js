// Content Factory dashboard: the gallery's video player. Everything else is server-rendered.
(function () {
  "use strict";
  var dialog = document.getElementById("player");
  var video = document.getElementById("player-video");
  var title = document.getElementById("player-title");
  if (!dialog || !video) { return; }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.play");
    if (!button) { return; }
    video.src = button.getAttribute("data-src");
    title.textContent = button.getAttribute("data-title") || "";
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var playing = video.play();
    if (playing && playing.catch) {
      playing.catch(function () { video.muted = true; return video.play(); });
    }
  });
  dialog.addEventListener("close", function () { video.pause(); video.removeAttribute("src"); video.load(); });
})();
