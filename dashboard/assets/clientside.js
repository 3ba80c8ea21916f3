/* Callbacks that run in the browser: moves that only rewrite the URL, so the page asks the
   server once (the URL -> view callback, which validates this URL as any other) instead of
   twice. dashboard/bench.py holds their Python twins for the benchmark's renderer, and
   tests/browser/test_clientside.py checks that the two give the same URLs. */
(function () {
  // the order dashboard.view.to_query writes; lang only when it is not the default
  var KEYS = ['area', 'metric', 'from', 'to', 'cat', 'src', 'lang'];
  var AREA_CODE = /^[0-9A-Za-z_.\-]{1,40}$/;

  function query(params) {
    var out = new URLSearchParams();
    KEYS.forEach(function (key) {
      var value = params.get(key);
      if (value === null) { return; }
      value = value.trim();
      if (value === '' || (key === 'lang' && value === 'zh')) { return; }
      out.set(key, value);
    });
    var text = out.toString();
    return text ? '?' + text : '';
  }

  // a click on an area of the map selects it: drill down, or the grid card at the bottom
  function drillTo(click, search) {
    var none = window.dash_clientside.no_update;
    if (!click || !click.points) { return none; }
    var code = null;
    for (var i = 0; i < click.points.length; i++) {
      if (typeof click.points[i].location === 'string') {
        code = click.points[i].location;
        break;
      }
    }
    if (code === null || !AREA_CODE.test(code)) { return none; }
    var params = new URLSearchParams((search || '').replace(/^\?/, ''));
    if ((params.get('area') || '').trim() === code) { return none; }
    params.set('area', code);
    return query(params);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    countydash: { drill_to: drillTo }
  });
})();
