/* Callbacks that run in the browser, so that no request goes out for them: moves that only
   rewrite the URL (the server is then asked once, by the URL -> view callback, which
   validates this URL as any other), and pickers that only show what the validated view
   says. dashboard/bench.py holds their Python twins for the benchmark's renderer, and
   tests/browser/test_clientside.py checks that the two give the same results. */
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

  // dashboard.metrics.DEFAULT_MAP_METRIC (tests/browser/test_clientside.py checks it)
  var DEFAULT_METRIC = 'overdue_now';

  // the metric the map shows for a view: the view's, when the picker offers it
  function shownMetric(view, options) {
    var name = view ? view.metric : null;
    var known = (options || []).map(function (o) {
      return (o !== null && typeof o === 'object') ? o.value : o;
    });
    return known.indexOf(name) >= 0 ? name : DEFAULT_METRIC;
  }

  // the view -> the metric picker (fresh URLs, back and forward), unless it shows it
  function metricValue(view, current, options) {
    var shown = shownMetric(view, options);
    return shown === current ? window.dash_clientside.no_update : shown;
  }

  // the metric picker -> the URL (the map then patches its colours)
  function metricToUrl(metric, search, view, options) {
    if (!metric || metric === shownMetric(view, options)) {
      return window.dash_clientside.no_update;
    }
    var params = new URLSearchParams((search || '').replace(/^\?/, ''));
    params.set('metric', metric);
    return query(params);
  }

  // the view -> the period picker's dates; dates it already shows are left alone
  function pickerDates(view, start, end) {
    if (!view || !view.start || !view.end) { throw window.dash_clientside.PreventUpdate; }
    var none = window.dash_clientside.no_update;
    var shownStart = String(start || '').slice(0, 10);
    var shownEnd = String(end || '').slice(0, 10);
    return [view.start === shownStart ? none : view.start,
            view.end === shownEnd ? none : view.end];
  }

  // the path and language -> the page the shell should show, only when it shows another
  // one (a drill-down or a new period keeps the page: no request for it)
  function pageWanted(pathname, view, key) {
    var want = {path: pathname || '/', lang: (view && view.lang) || 'zh'};
    if (key && key.path === want.path && key.lang === want.lang) {
      return window.dash_clientside.no_update;
    }
    return want;
  }

  // the view -> every export link's href (callbacks.export.export_href: area, period,
  // metric, filters and language of the page; the export routes check the area)
  function exportLinks(view, linkIds) {
    if (!view || !view.area || !view.start || !view.end) {
      throw window.dash_clientside.PreventUpdate;
    }
    var params = new URLSearchParams();
    [['area', view.area], ['metric', view.metric], ['from', view.start], ['to', view.end],
     ['cat', view.cat], ['src', view.src], ['lang', view.lang]].forEach(function (pair) {
      if (pair[1] !== null && pair[1] !== undefined) { params.set(pair[0], String(pair[1])); }
    });
    var search = query(params);
    return (linkIds || []).map(function (id) {
      var target = String(id.index);
      return '/export/' + (target.indexOf('brief.') === 0 ? target : 'chart/' + target) +
        search;
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    countydash: {
      drill_to: drillTo, metric_value: metricValue, metric_to_url: metricToUrl,
      picker_dates: pickerDates, page_wanted: pageWanted, export_links: exportLinks
    }
  });
})();
