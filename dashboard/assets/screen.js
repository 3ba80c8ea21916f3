/* Scale the big-screen stage (1920x1080) to the window: a 3840x2160 wall gets 2x, a
   smaller window letterboxes. No network, no framework: re-checked twice a second. */
(function () {
  function fit() {
    var stage = document.querySelector('.screen-stage');
    if (!stage) { return; }
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    stage.style.setProperty('--screen-scale', String(s));
    stage.style.left = ((window.innerWidth - 1920 * s) / 2) + 'px';
    stage.style.top = ((window.innerHeight - 1080 * s) / 2) + 'px';
  }
  window.addEventListener('resize', fit);
  setInterval(fit, 500);
})();
