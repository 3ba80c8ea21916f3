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

  // the query of a view (dashboard.view.to_query)
  function viewQuery(view) {
    var params = new URLSearchParams();
    [['area', view.area], ['metric', view.metric], ['from', view.start], ['to', view.end],
     ['cat', view.cat], ['src', view.src], ['lang', view.lang]].forEach(function (pair) {
      if (pair[1] !== null && pair[1] !== undefined) { params.set(pair[0], String(pair[1])); }
    });
    return query(params);
  }

  // the view -> every export link's href (callbacks.export.export_href: area, period,
  // metric, filters and language of the page; the export routes check the area)
  function exportLinks(view, linkIds) {
    if (!view || !view.area || !view.start || !view.end) {
      throw window.dash_clientside.PreventUpdate;
    }
    var search = viewQuery(view);
    return (linkIds || []).map(function (id) {
      var target = String(id.index);
      return '/export/' + (target.indexOf('brief.') === 0 ? target : 'chart/' + target) +
        search;
    });
  }

  // dashboard.view's patterns and dashboard.schema.SOURCES (tests/browser/test_clientside.py
  // checks them against the server's)
  var METRIC = /^[a-z_]{1,40}$/;
  var CATEGORY = /^[0-9A-Za-z_\-]{1,20}$/;
  var SOURCES = ['app', 'terminal', 'hotline', 'department', 'leader', 'other'];
  var DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

  // a calendar day written YYYY-MM-DD, or null
  function day(value) {
    if (value === null || !DAY.test(value) || value.slice(0, 4) === '0000') { return null; }
    var parsed = new Date(value + 'T00:00:00Z');
    return (!isNaN(parsed) && parsed.toISOString().slice(0, 10) === value) ? value : null;
  }

  // the first value of each parameter the view reads, trimmed, empty ones as null
  function viewParams(search) {
    var params = new URLSearchParams((search || '').replace(/^\?/, ''));
    var out = {};
    KEYS.forEach(function (key) {
      var value = params.get(key);
      value = value === null ? null : value.trim();
      out[key] = value === '' ? null : value;
    });
    return out;
  }

  // the view the server would make of URL `search` when it differs from `shownFor` (the URL
  // of `view`) only in what the server copies without a database: a drill-down to an area
  // the page listed (the server re-checks it on every panel), the metric, a full period or
  // the case filters; null for anything else (no area, a default period, another language,
  // a malformed value: the server's URL -> view callback answers those)
  function moved(view, shownFor, search) {
    var old = viewParams(shownFor), now = viewParams(search);
    var next = Object.assign({}, view, {problems: []});
    if (now.lang !== old.lang) { return null; }
    if (now.area !== old.area) {
      if (now.area === null || !AREA_CODE.test(now.area)) { return null; }
      next.area = now.area;
    }
    if (now.from !== old.from || now.to !== old.to) {
      var start = day(now.from), end = day(now.to);
      if (start === null || end === null || start > end) { return null; }
      next.start = start;
      next.end = end;
    }
    next.metric = (now.metric !== null && METRIC.test(now.metric)) ? now.metric : null;
    next.cat = (now.cat !== null && CATEGORY.test(now.cat)) ? now.cat : null;
    next.src = SOURCES.indexOf(now.src) >= 0 ? now.src : null;
    return next;
  }

  // the view as the panels that do not show the map's metric read it
  // (callbacks.shell.panel_view): a metric change leaves them alone
  var PANEL_KEYS = ['area', 'start', 'end', 'metric', 'lang', 'cat', 'src', 'problems'];

  function panelView(view) {
    return Object.assign({}, view, {metric: null});
  }

  function samePanel(a, b) {
    if (!a || !b) { return false; }
    return PANEL_KEYS.every(function (key) {
      return JSON.stringify(a[key] === undefined ? null : a[key]) ===
        JSON.stringify(b[key] === undefined ? null : b[key]);
    });
  }

  // the URL -> [view, alert, URL of the view, question to the server, the panels' view]: a
  // move within the page is made here (no request before the panels'); anything else, and
  // the first URL of a page, is asked of the server (callbacks.shell.on_url_view)
  function viewFromUrl(search, view, shownFor, panel) {
    var none = window.dash_clientside.no_update;
    var here = search || '';
    var known = view && view.area && view.start && view.end && typeof shownFor === 'string';
    if (known && here === shownFor) { return [none, none, none, none, none]; }
    var next = known ? moved(view, shownFor, here) : null;
    if (next !== null) {
      var forPanels = panelView(next);
      return [next, [], here, none, samePanel(forPanels, panel) ? none : forPanels];
    }
    return [none, none, here, {search: here}, none];
  }

  // the view -> the overview's link to the coverage page, with the whole view
  function coverageLink(view) {
    if (!view || !view.area) { throw window.dash_clientside.PreventUpdate; }
    return '/coverage' + viewQuery(view);
  }

  // the period picker -> the URL (the presets' ranges are the server's: the last day with data)
  function periodToUrl(start, end, search, view) {
    var none = window.dash_clientside.no_update;
    var from = day(String(start || '').slice(0, 10)), to = day(String(end || '').slice(0, 10));
    if (from === null || to === null) { return none; }
    if (view && view.start === from && view.end === to) { return none; }
    var params = new URLSearchParams((search || '').replace(/^\?/, ''));
    params.set('from', from);
    params.set('to', to);
    return query(params);
  }

  // the view -> the links to views (navbar, language switch, breadcrumb) with the view's
  // metric: the server wrote them for the view without it changing (callbacks.shell
  // update_navbar reads the panels' view), so only the metric is rewritten here
  function linkMetric(view, hrefs) {
    var none = window.dash_clientside.no_update;
    if (!view || !Array.isArray(hrefs)) { return none; }
    var changed = false;
    var out = hrefs.map(function (href) {
      if (typeof href !== 'string') { return href; }
      var at = href.indexOf('?');
      var path = at < 0 ? href : href.slice(0, at);
      var params = new URLSearchParams(at < 0 ? '' : href.slice(at + 1));
      if (view.metric) { params.set('metric', view.metric); } else { params.delete('metric'); }
      var next = path + query(params);
      changed = changed || next !== href;
      return next;
    });
    return changed ? out : none;
  }

  // layouts.map.BROWSER_METRICS (tests/browser/test_clientside.py checks it): the metrics
  // whose colourings come with the map, so that switching to one sends no request
  var BROWSER_METRICS = ['cases', 'cases_per_1k', 'open_now', 'overdue_now', 'median_hours',
                         'within_sla_rate'];

  function browserMetric(view) {
    return BROWSER_METRICS.indexOf(view.metric || DEFAULT_METRIC) >= 0;
  }

  // the view -> the view the server's map reads (callbacks.map.update_map): without a
  // metric the browser switches to by itself; unchanged, no update (and no request)
  function mapView(view, current) {
    if (!view || !view.area) { return window.dash_clientside.no_update; }
    var next = Object.assign({}, view, {metric: browserMetric(view) ? null : view.metric});
    return JSON.stringify(next) === JSON.stringify(current) ?
      window.dash_clientside.no_update : next;
  }

  // the figure with layouts.map.metric_changes applied, copied along the changed paths only
  // (the geometry stays shared); layouts.map.apply_changes is its twin
  function applyChanges(figure, changes) {
    var out = Object.assign({}, figure);
    Object.keys(changes).forEach(function (path) {
      var parts = path.split('.');
      var node = out;
      for (var i = 0; i < parts.length - 1; i++) {
        var key = Array.isArray(node) ? Number(parts[i]) : parts[i];
        var child = node[key];
        var copy = Array.isArray(child) ? child.slice() : Object.assign({}, child || {});
        node[key] = copy;
        node = copy;
      }
      var last = parts[parts.length - 1];
      node[Array.isArray(node) ? Number(last) : last] = changes[path];
    });
    return out;
  }

  // the view -> [the map's figure, its key] for a metric the browser switches to by itself,
  // from the colourings the server sent with the map for this very view (area, period,
  // language); anything else is the server's (a new view, a server-drawn metric)
  function metricFromStore(view, stored, figure, key) {
    var none = window.dash_clientside.no_update;
    if (!view || !stored || !stored.metrics || !stored['for'] || !figure || !figure.data) {
      return [none, none];
    }
    var want = view.metric || DEFAULT_METRIC;
    var changes = stored.metrics[want];
    var made = stored['for'];
    if (!changes || made.area !== view.area || made.start !== view.start ||
        made.end !== view.end || made.lang !== (view.lang || 'zh')) {
      return [none, none];
    }
    if (key && key.metric === want) { return [none, none]; }
    return [applyChanges(figure, changes), Object.assign({}, key, {metric: want})];
  }

  // a table's rows in the order of its sort_by (sort_action "custom"): a column with a
  // rank column beside it ("tier" and "rank") sorts by the rank, numbers as numbers, text in
  // the reader's collation (pinyin for names); no sort is the server's order (`order`)
  var SORT_KEYS = {tier: 'rank'};
  var COLLATOR = new Intl.Collator(['zh-Hans-CN', 'en'], {numeric: true});

  function compareValues(a, b) {
    if (a === b) { return 0; }
    if (a === null || a === undefined) { return 1; }
    if (b === null || b === undefined) { return -1; }
    if (typeof a === 'number' && typeof b === 'number') { return a < b ? -1 : 1; }
    return COLLATOR.compare(String(a), String(b));
  }

  function sortRows(sortBy, rows) {
    if (!Array.isArray(rows)) { return window.dash_clientside.no_update; }
    var keys = (sortBy || []).map(function (s) {
      return {key: SORT_KEYS[s.column_id] || s.column_id, sign: s.direction === 'desc' ? -1 : 1};
    });
    keys.push({key: 'order', sign: 1});
    return rows.slice().sort(function (a, b) {
      for (var i = 0; i < keys.length; i++) {
        var c = compareValues(a[keys[i].key], b[keys[i].key]);
        if (c !== 0) {
          // nothing given sorts last in either direction
          var missing = a[keys[i].key] == null || b[keys[i].key] == null;
          return missing ? c : c * keys[i].sign;
        }
      }
      return 0;
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    countydash: {
      drill_to: drillTo, metric_value: metricValue, metric_to_url: metricToUrl,
      picker_dates: pickerDates, page_wanted: pageWanted, export_links: exportLinks,
      view_from_url: viewFromUrl, period_to_url: periodToUrl, sort_rows: sortRows,
      coverage_link: coverageLink, map_view: mapView, metric_from_store: metricFromStore,
      link_metric: linkMetric
    }
  });
})();
